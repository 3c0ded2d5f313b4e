"""The KPI registry: a KPI is one selector (data) + one chart (+ the figures the committee report compares).

Adding a KPI means adding one `KPI(...)` to `REGISTRY` below (or calling `register()` from this module
once the app that owns the data exists): the dashboard, the committee report (HTML and PDF), the CSV
export and the docs table all iterate over the registry. See docs/kpis.md, "Adding a KPI".

Texts built per request (figures, charts, summaries) use `gettext`; the registry entries, built at import, use
`_` = `gettext_lazy`. Both are names makemessages extracts; an alias such as `_g` would keep its strings out of
the catalogue (tests/core/test_translations.py rejects one). A unit written after a number is
`pgettext("unit", ...)`: English writes "3 appointments" in lower case, while the same German word as a heading or
a model name ("Termine") stays "Appointments".

The registry and what every KPI gets are here; the KPIs themselves are in one module per subject
(`lead_time`, `capacity`, `demand`, `floor`, `callcenter`), imported at the end in the dashboard's order, and
share the helpers of `common` (the period's appointment rows, the target band, events, weekly charts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from buergerbuero.insights import charts
from buergerbuero.insights.metrics import Period

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office


@dataclass
class Context:
    """What every KPI function gets: office, period, the moment of the request and a per-request memo."""

    office: Office
    period: Period
    now: dt.datetime = field(default_factory=timezone.now)
    _memo: dict = field(default_factory=dict)

    def memo(self, key: str, compute: Callable):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def with_period(self, period: Period) -> Context:
        return Context(self.office, period, self.now)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)


@dataclass(frozen=True)
class Figure:
    """One number of the committee report, compared with the previous period (and the target where there is one)."""

    label: str
    value: float | None
    unit: str
    better: str = ""  # "lower" | "higher" | "" (no judgement)
    target: str = ""
    none_text: str = "–"

    def display(self) -> str:
        return charts.format_number(self.value, self.none_text)


@dataclass(frozen=True)
class KPI:
    key: str
    title: object  # lazy German title
    section: str  # booking | capacity | floor | callcenter
    definition: object  # lazy German definition (the short form of docs/kpis.md)
    chart: Callable[[Context], charts.Chart]
    figures: Callable[[Context], list[Figure]]


REGISTRY: dict[str, KPI] = {}

# KPIs that other apps' data will feed; shown as "not yet available" until registered (docs/kpis.md).
PENDING: dict[str, tuple[object, str]] = {}


def register(kpi: KPI) -> KPI:
    REGISTRY[kpi.key] = kpi
    PENDING.pop(kpi.key, None)
    return kpi


def get(key: str) -> KPI | None:
    return REGISTRY.get(key)


def all_kpis() -> list[KPI]:
    return list(REGISTRY.values())


# Each subject module registers its KPIs on import; the order is the dashboard's.
from buergerbuero.insights.kpis import lead_time, capacity, demand, floor, callcenter  # noqa: E402, F401, I001
