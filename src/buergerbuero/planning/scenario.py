"""Scenario files (TOML) and their validation with pydantic (pure).

A bad value never reaches the engine: `load` raises `ScenarioError` whose messages name the field, e.g.
``measures[2].counters: Input should be greater than or equal to 1``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from buergerbuero.planning.engine import OfficeModel
from buergerbuero.planning.measures import KINDS, Costs, Measure


class ScenarioError(ValueError):
    def __init__(self, messages: list[tuple[str, str]]):
        self.messages = messages  # (field path, message)
        super().__init__("; ".join(f"{path}: {text}" if path else text for path, text in messages))


class Assumptions(BaseModel):
    """Changes to what calibration found (None keeps the calibrated value)."""

    model_config = ConfigDict(extra="forbid")

    demand_scale: float = Field(1.0, gt=0, le=5, description="factor on the calibrated demand")
    evening_preference: float | None = Field(None, ge=0, le=1)
    cancellation_rate: float | None = Field(None, ge=0, le=0.9)
    cancel_notice_days: int | None = Field(None, ge=0, le=30)
    no_show_rate: float | None = Field(None, ge=0, le=0.9)
    no_show_rebook: float | None = Field(None, ge=0, le=1)
    horizon_days: int | None = Field(None, ge=7, le=366)
    day_dispersion: float | None = Field(None, ge=0, le=2)
    walk_in_per_hour: float | None = Field(None, ge=0, le=500)
    walk_in_service_minutes: float | None = Field(None, ge=1, le=240)
    season: list[float] | None = Field(None, min_length=12, max_length=12, description="Jan … Dec factors")

    @field_validator("season")
    @classmethod
    def _positive(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and any(v <= 0 for v in value):
            raise ValueError("every monthly factor must be greater than 0")
        return value

    def apply(self, model: OfficeModel) -> OfficeModel:
        changes = {
            name: getattr(self, name)
            for name in (
                "evening_preference",
                "cancellation_rate",
                "cancel_notice_days",
                "no_show_rate",
                "no_show_rebook",
                "horizon_days",
                "day_dispersion",
                "walk_in_per_hour",
                "walk_in_service_minutes",
            )
            if getattr(self, name) is not None
        }
        if self.season is not None:
            changes["season"] = tuple(self.season)
        changes["demand_scale"] = model.demand_scale * self.demand_scale
        return dataclasses.replace(model, **changes)


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead_days: float = Field(28, gt=0, le=365, description="upper end of the target band (days)")
    strict_lead_days: float = Field(14, gt=0, le=365, description="the stricter goal (days)")
    quantile: float = Field(0.9, gt=0, lt=1, description="which Monte Carlo quantile must meet it")
    reach_within_months: int = Field(6, ge=0, le=24, description="from then on the target must hold")


class RunSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = None  # default: today
    months: int = Field(12, ge=1, le=36)
    replications: int = Field(500, ge=1, le=5000)
    optimise_replications: int = Field(200, ge=10, le=2000)
    seed: int = Field(2019, ge=0, le=2**32 - 1)
    max_combinations: int = Field(256, ge=1, le=4096)

    @property
    def days(self) -> int:
        return round(self.months * 365.25 / 12)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    office: str = Field(min_length=1, max_length=60, description="slug of the office to calibrate from")
    description: str = Field("", max_length=2000)
    run: RunSettings = RunSettings()
    target: Target = Target()
    costs: Costs = Costs()
    assumptions: Assumptions = Assumptions()
    measures: list[Measure] = Field(default_factory=list, max_length=30)

    def enabled_measures(self) -> list[Measure]:
        return [m for m in self.measures if m.enabled]


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in KINDS:
            continue  # the discriminator tag pydantic inserts into the location
        else:
            out += f".{part}" if out else str(part)
    return out


def validate(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([(_path(e["loc"]), e["msg"]) for e in exc.errors()]) from None


def loads(text: str) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([("", f"TOML: {exc}")]) from None
    return validate(data)


def dumps(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON-able data (what the database stores)."""
    return scenario.model_dump(mode="json")
