"""Measures as composable scenario changes (pure). Each one returns a changed copy of the office model
and knows what it costs on each day of the model's calendar. The pydantic models double as the
scenario-file schema, so a bad value is reported with the name of the field.

Costs are annualised one way for every measure: the daily costs of the first 365 days of the calendar
(scaled up when a synthetic calendar is shorter) plus the fixed cost per year. The cost of the scenario
period is the daily costs of the simulated days plus the fixed cost pro rata. A 6-month and a 12-month
scenario therefore show the same cost per year.

Order of application is fixed (closures first, then capacity, then shares and demand), so that e.g. an
added service evening also counts on days a shortened closure reopens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from buergerbuero.core.lazy import LazyModule
from buergerbuero.planning.engine import EVENING_START_MINUTE, Capacity, OfficeModel

# loaded by the first costed run (buergerbuero.core.lazy); for the type checker NumPy itself
if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy", globals(), "np")

DAYS_PER_YEAR = 365


class Costs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_hour_eur: float = Field(55.0, ge=0, le=1000, description="Full cost of one staff hour (EUR)")


class MeasureBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=120)
    enabled: bool = True  # part of the scenario as written
    optimise: bool = False  # the optimiser may switch it on or off
    group: str = Field("", max_length=60)  # at most one measure of a group is switched on by the optimiser
    fixed_eur: float = Field(0.0, ge=0, le=10_000_000, description="Fixed cost per year (EUR)")
    order: int = 50
    if TYPE_CHECKING:
        kind: str  # each measure's Literal discriminator (a field of every subclass, not of this base)

    def apply(self, model: OfficeModel) -> OfficeModel:  # pragma: no cover - every measure overrides it
        raise NotImplementedError

    def daily_cost(self, model: OfficeModel, costs: Costs) -> np.ndarray:
        """Cost in EUR on each day of the model's calendar (without the fixed cost), measured on the model
        *before* this measure is applied."""
        return np.zeros(model.capacity.length)

    def cost(self, model: OfficeModel, costs: Costs) -> float:
        """Cost per year in EUR: the first year of daily costs plus the fixed cost."""
        daily = self.daily_cost(model, costs)
        year = min(len(daily), DAYS_PER_YEAR)
        per_year = float(daily[:year].sum()) * DAYS_PER_YEAR / year if year else 0.0
        return self.fixed_eur + per_year

    def period_cost(self, model: OfficeModel, costs: Costs, days: int) -> float:
        """Cost in EUR of the scenario period (the first `days` days), the fixed cost pro rata."""
        return float(self.daily_cost(model, costs)[:days].sum()) + self.fixed_eur * days / DAYS_PER_YEAR

    def title(self) -> str:
        return self.label or self.describe()

    def describe(self) -> str:
        return self.kind


def _open_days(capacity: Capacity) -> np.ndarray:
    return (capacity.total() > 0) & ~capacity.holiday


def _per_day(capacity: Capacity, eur_per_week: float) -> np.ndarray:
    """A weekly cost spread evenly over the calendar days."""
    return np.full(capacity.length, eur_per_week / 7.0)


def _replace(model: OfficeModel, **capacity_changes: Any) -> OfficeModel:
    return dataclasses.replace(model, capacity=dataclasses.replace(model.capacity, **capacity_changes))


def _hours(start: dt.time, end: dt.time) -> float:
    return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60.0


class ServiceEvening(MeasureBase):
    """A late opening on one weekday (Serviceabend) with `counters` staffed counters."""

    kind: Literal["service_evening"] = "service_evening"
    weekday: int = Field(ge=0, le=4, description="0 = Monday … 4 = Friday")
    start: dt.time = dt.time(16, 0)
    end: dt.time = dt.time(19, 30)
    counters: int = Field(2, ge=1, le=50)
    web_percent: float | None = Field(
        None, ge=0, le=100, description="share of the new minutes bookable online (default: the office's split)"
    )
    order: int = 20

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def _days(self, capacity: Capacity) -> np.ndarray:
        return (capacity.weekdays() == self.weekday) & _open_days(capacity)

    def _minutes(self) -> tuple[float, float]:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        evening = max(0, end - max(start, EVENING_START_MINUTE))
        return (end - start - evening) * self.counters, evening * self.counters

    def web_share(self, model: OfficeModel) -> float:
        """The share of the new counter time citizens book online: as configured, or as the office's channel
        shares split that many counters (the live lane split), or the model's online share."""
        if self.web_percent is not None:
            return self.web_percent / 100.0
        return model.lane_web_share(self.counters)

    def apply(self, model: OfficeModel) -> OfficeModel:
        cap = model.capacity
        days = self._days(cap)
        day, evening = self._minutes()
        added = np.stack([day * days, evening * days], axis=-1)  # day × time class
        changes = {"day_minutes": cap.day_minutes + added[:, 0], "evening_minutes": cap.evening_minutes + added[:, 1]}
        if cap.web_fraction is not None:
            # New opening time gets the office's channel split; without this a weekday with no evening yet
            # (web fraction 0 of 0 minutes) would give every new evening minute to phone and counter.
            before = np.stack([cap.day_minutes, cap.evening_minutes], axis=-1)
            web = before * cap.web_fraction + added * self.web_share(model)
            total = before + added
            changes["web_fraction"] = np.divide(web, total, out=cap.web_fraction.copy(), where=total > 0)
        return _replace(model, **changes)

    def daily_cost(self, model: OfficeModel, costs: Costs) -> np.ndarray:
        hours = self.counters * _hours(self.start, self.end)
        return self._days(model.capacity) * hours * costs.staff_hour_eur

    def describe(self) -> str:
        names = ["Mo", "Di", "Mi", "Do", "Fr"]
        return f"Serviceabend {names[self.weekday]} {self.start:%H:%M}–{self.end:%H:%M}, {self.counters} Schalter"


def _spread(model: OfficeModel, minutes_per_week: float) -> OfficeModel:
    """Add counter-minutes per week, spread over the open days like the existing daytime capacity."""
    cap = model.capacity
    year = min(cap.length, DAYS_PER_YEAR)
    per_week = cap.day_minutes[:year].sum() / (year / 7.0)
    if per_week <= 0:
        return model
    factor = 1.0 + minutes_per_week / per_week
    return _replace(model, day_minutes=cap.day_minutes * factor)


class ExtraStaff(MeasureBase):
    """More staffed counter time during the regular opening hours (hours per week)."""

    kind: Literal["extra_staff"] = "extra_staff"
    hours_per_week: float = Field(gt=0, le=1000)
    order: int = 30

    def apply(self, model: OfficeModel) -> OfficeModel:
        return _spread(model, self.hours_per_week * 60.0)

    def daily_cost(self, model: OfficeModel, costs: Costs) -> np.ndarray:
        return _per_day(model.capacity, self.hours_per_week * costs.staff_hour_eur)

    def describe(self) -> str:
        return f"Zusätzliches Personal {self.hours_per_week:g} h/Woche"


class _ServiceMeasure(MeasureBase):
    service: str = Field(min_length=1, max_length=80, description="service slug")

    def _index(self, model: OfficeModel) -> int:
        for i, s in enumerate(model.services):
            if s.slug == self.service:
                return i
        raise ValueError(f"unknown service {self.service!r}")

    def _replace_service(self, model: OfficeModel, **changes: Any) -> OfficeModel:
        i = self._index(model)
        services = list(model.services)
        services[i] = dataclasses.replace(services[i], **changes)
        return dataclasses.replace(model, services=tuple(services))


class PreApplication(_ServiceMeasure):
    """Online pre-application (Vorantrag): a share of the citizens arrive prepared, the visit is shorter."""

    kind: Literal["pre_application"] = "pre_application"
    minutes: float = Field(gt=0, le=480, description="booked minutes with a pre-application")
    uptake: float = Field(0.5, ge=0, le=1, description="share of requests that use it")
    per_case_eur: float = Field(0.0, ge=0, le=1000)
    order: int = 60

    def apply(self, model: OfficeModel) -> OfficeModel:
        s = model.services[self._index(model)]
        minutes = self.uptake * min(self.minutes, s.booked_minutes) + (1 - self.uptake) * s.booked_minutes
        return self._replace_service(model, booked_minutes=minutes)

    def daily_cost(self, model: OfficeModel, costs: Costs) -> np.ndarray:
        s = model.services[self._index(model)]
        return _per_day(model.capacity, s.per_week * model.demand_scale * self.uptake * self.per_case_eur)

    def describe(self) -> str:
        return f"Online-Vorantrag {self.service}: {self.minutes:g} min, {self.uptake:.0%} Nutzung"


class OnlineOnly(_ServiceMeasure):
    """A service handled fully online (or linked to a national online service): its visits disappear."""

    kind: Literal["online_only"] = "online_only"
    share: float = Field(1.0, ge=0, le=1, description="share of the demand that moves online")
    order: int = 60

    def apply(self, model: OfficeModel) -> OfficeModel:
        s = model.services[self._index(model)]
        return self._replace_service(model, per_week=s.per_week * (1 - self.share))

    def describe(self) -> str:
        return f"Nur online: {self.service} ({self.share:.0%})"


class PartnerCallCenter(MeasureBase):
    """The partner city's call center takes the phone: staff time is freed for counters, some visits are
    avoided because questions are settled on the phone, and the partner is paid per call."""

    kind: Literal["partner_call_center"] = "partner_call_center"
    freed_hours_per_week: float = Field(20.0, ge=0, le=1000)
    calls_per_week: float = Field(600.0, ge=0, le=1_000_000)
    price_per_call_eur: float = Field(4.5, ge=0, le=100)
    avoided_visits: float = Field(0.05, ge=0, le=0.5, description="share of booking requests avoided")
    order: int = 30

    def apply(self, model: OfficeModel) -> OfficeModel:
        model = _spread(model, self.freed_hours_per_week * 60.0)
        web, phone, partner = model.channel_split
        return dataclasses.replace(
            model,
            demand_scale=model.demand_scale * (1 - self.avoided_visits),
            channel_split=(web, 0.0, phone + partner),
        )

    def daily_cost(self, model: OfficeModel, costs: Costs) -> np.ndarray:
        return _per_day(model.capacity, self.calls_per_week * self.price_per_call_eur)

    def describe(self) -> str:
        return (
            f"Partner-Callcenter: {self.freed_hours_per_week:g} h/Woche frei, "
            f"{self.calls_per_week:g} Anrufe/Woche à {self.price_per_call_eur:.2f} €"
        )


class YearEndClosure(MeasureBase):
    """The closure between the years: `closed_days` = 0 keeps the office open, n keeps n closed days."""

    kind: Literal["year_end_closure"] = "year_end_closure"
    closed_days: int = Field(0, ge=0, le=15)
    order: int = 10

    def _reopen(self, capacity: Capacity) -> np.ndarray:
        """Closure days to reopen: per turn of the year, every closed opening day after the first n."""
        reopen = np.zeros(capacity.length, dtype=bool)
        counted: dict[int, int] = {}
        for i in np.flatnonzero(capacity.year_end):
            if capacity.closure_day_minutes[i] + capacity.closure_evening_minutes[i] <= 0:
                continue
            day = capacity.start + dt.timedelta(days=int(i))
            turn = day.year if day.month >= 7 else day.year - 1
            counted[turn] = counted.get(turn, 0) + 1
            if counted[turn] > self.closed_days:
                reopen[i] = True
        return reopen

    def apply(self, model: OfficeModel) -> OfficeModel:
        cap = model.capacity
        reopen = self._reopen(cap)
        return _replace(
            model,
            day_minutes=cap.day_minutes + cap.closure_day_minutes * reopen,
            evening_minutes=cap.evening_minutes + cap.closure_evening_minutes * reopen,
            closure_day_minutes=np.where(reopen, 0.0, cap.closure_day_minutes),
            closure_evening_minutes=np.where(reopen, 0.0, cap.closure_evening_minutes),
            year_end=cap.year_end & ~reopen,
        )

    def daily_cost(self, model: OfficeModel, costs: Costs) -> np.ndarray:
        cap = model.capacity
        minutes = (cap.closure_day_minutes + cap.closure_evening_minutes) * self._reopen(cap)
        return minutes / 60.0 * costs.staff_hour_eur

    def describe(self) -> str:
        if self.closed_days == 0:
            return "Keine Schließung zwischen den Jahren"
        return f"Schließung zwischen den Jahren auf {self.closed_days} Öffnungstage verkürzt"


class OnlineShare(MeasureBase):
    """Share of the appointment capacity that citizens can book online."""

    kind: Literal["online_share"] = "online_share"
    percent: float = Field(ge=0, le=100)
    order: int = 40

    def apply(self, model: OfficeModel) -> OfficeModel:
        # the live split by lanes is replaced by the share of minutes the office decides on
        model = _replace(model, web_fraction=None)
        return dataclasses.replace(model, web_share=self.percent / 100.0)

    def describe(self) -> str:
        return f"Online-Anteil der Kapazität {self.percent:g} %"


Measure = Annotated[
    ServiceEvening | ExtraStaff | PreApplication | OnlineOnly | PartnerCallCenter | YearEndClosure | OnlineShare,
    Field(discriminator="kind"),
]
KINDS = {
    cls.model_fields["kind"].default: cls
    for cls in (ServiceEvening, ExtraStaff, PreApplication, OnlineOnly, PartnerCallCenter, YearEndClosure, OnlineShare)
}


@dataclasses.dataclass(frozen=True)
class CostItem:
    title: str
    per_year: float  # EUR, annualised the same way for every measure
    period: float  # EUR over the simulated days of the scenario


def apply_all(
    model: OfficeModel, measures: Iterable[MeasureBase], costs: Costs, *, days: int
) -> tuple[OfficeModel, list[CostItem]]:
    """Apply measures in their fixed order; returns the changed model and the cost of each measure."""
    items = []
    for measure in sorted(measures, key=lambda m: m.order):
        items.append(CostItem(measure.title(), measure.cost(model, costs), measure.period_cost(model, costs, days)))
        model = measure.apply(model)
    return model, items
