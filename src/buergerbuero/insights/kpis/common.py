"""What several KPIs share: the period's appointment rows, the target band, events, weekly rows and charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext, pgettext

from buergerbuero.insights import charts, metrics, selectors

if TYPE_CHECKING:
    from buergerbuero.insights.kpis import Context


def appointment_rows(ctx: Context) -> list[metrics.AppointmentRow]:
    """The period's confirmed appointments, read once per request and shared by several KPIs."""
    return ctx.memo(f"rows:{ctx.period}", lambda: selectors.appointment_rows(ctx.office, ctx.period))


def band(ctx: Context) -> tuple[int, int]:
    return ctx.memo("band", lambda: selectors.target_band(ctx.office))


def band_text(band: tuple[int, int]) -> str:
    return gettext("%(low)d–%(high)d Tage") % {"low": band[0], "high": band[1]}


def events(ctx: Context) -> tuple[tuple[dt.date, str], ...]:
    return ctx.memo(
        f"events:{ctx.period}",
        lambda: tuple((day, title) for day, _kind, title in selectors.events(ctx.office, ctx.period)),
    )


def minutes_text() -> str:
    return pgettext("unit", "Minuten")


@dataclass(frozen=True)
class Weekly[Item, Summary]:
    """A KPI whose chart is one value per ISO week and whose figures are the same value for the whole period.

    `read(ctx)` returns the period's rows as (local day, item) – one read for the whole period, never one per
    week – and `summarise(items)` is the owning app's pure summary of such items, so a week's value and the
    period's value are the same arithmetic on different rows. Weeks without rows are left out; the edge weeks
    hold the period's days only.
    """

    name: str
    read: Callable[[Context], list[tuple[dt.date, Item]]]
    summarise: Callable[[list[Item]], Summary]

    def rows(self, ctx: Context) -> list[tuple[dt.date, Item]]:
        return ctx.memo(f"{self.name}:{ctx.period}", lambda: self.read(ctx))

    def weeks(self, ctx: Context) -> list[tuple[dt.date, Summary]]:
        grouped: dict[dt.date, list[Item]] = {}
        for day, item in self.rows(ctx):
            grouped.setdefault(metrics.week_start(day), []).append(item)
        return [(monday, self.summarise(items)) for monday, items in sorted(grouped.items())]

    def total(self, ctx: Context) -> Summary:
        return self.summarise([item for _day, item in self.rows(ctx)])


def weekly_chart(
    key: str,
    title: str,
    unit: str,
    weeks: Sequence[tuple[dt.date, Any]],
    columns: Iterable[tuple[str, Callable[[Any], float | None]]],
    *,
    kind: str = "line",
    **more,
) -> charts.Chart:
    """A chart with one point per ISO week: x are the weeks' Mondays, each column reads its value from a week's row.

    `weeks` are (Monday, row) pairs, `columns` (legend label, value of a row) pairs. Lines break where a
    week has no row; bars and stacks simply leave it out.
    """
    return charts.Chart(
        key=key,
        title=title,
        unit=unit,
        x=tuple(monday for monday, _row in weeks),
        x_kind="week",
        kind=kind,
        max_gap_days=7 if kind == "line" else None,
        columns=tuple(charts.Column(label, tuple(value(row) for _monday, row in weeks)) for label, value in columns),
        **more,
    )
