"""Tables, CSV and charts from run results (pure; shared by the CLI and the web page)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from buergerbuero.planning import backtest as backtesting
from buergerbuero.planning import charts


def targets(summary: dict) -> list[tuple[float, str]]:
    return [
        (summary["target_days"], f"Ziel {summary['target_days']:g} Tage"),
        (summary["strict_days"], f"{summary['strict_days']:g} Tage"),
    ]


def series(summary: dict, label: str | None = None) -> dict:
    return {
        "label": label or summary["name"],
        "dates": summary["dates"],
        "p10": summary["lead_p10"],
        "p50": summary["lead_p50"],
        "p90": summary["lead_p90"],
    }


def bands_svg(summaries: list[tuple[str, dict]], ident: str = "bands") -> str:
    return charts.lead_bands(
        [series(s, label) for label, s in summaries],
        targets=targets(summaries[0][1]),
        title="Vorlaufzeit: Median und 10–90-%-Band der Simulationen",
        ident=ident,
    )


def tradeoff_svg(optimised: dict, ident: str = "tradeoff") -> str:
    return charts.tradeoff(
        optimised["candidates"],
        targets=[
            (optimised["target_days"], f"Ziel {optimised['target_days']:g} Tage"),
            (optimised["strict_days"], f"{optimised['strict_days']:g} Tage"),
        ],
        title="Kosten und Vorlaufzeit aller Kombinationen von Maßnahmen",
        ident=ident,
    )


def daily_csv(summary: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "lead_p10", "lead_p50", f"lead_p{round(summary['quantile'] * 100)}", "backlog_p50_hours"])
    for row in zip(
        summary["dates"],
        summary["lead_p10"],
        summary["lead_p50"],
        summary["lead_p90"],
        summary["backlog_p50_hours"],
        strict=True,
    ):
        writer.writerow(row)
    return out.getvalue()


def candidates_csv(optimised: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["cost_eur_per_year", "p90_lead_days_from_target_date", "reached", "reached_strict", "pareto", "measures"]
    )
    for c in optimised["candidates"]:
        writer.writerow(
            [
                c["cost_eur"],
                c["tail_lead"],
                c["reached"] or "",
                c["reached_strict"] or "",
                int(c["pareto"]),
                " + ".join(c["measures"]) or "-",
            ]
        )
    return out.getvalue()


def month_table(summary: dict) -> str:
    q = round(summary["quantile"] * 100)
    lines = [
        f"{'Monat':<8} {'Vorlauf p50':>11} {f'p{q} (max)':>10} {'Rückstau h':>10} "
        f"{'Warteliste h':>12} {'Auslastung':>10}"
    ]
    for m in summary["months"]:
        util = f"{m['utilisation']:.0%}" if m["utilisation"] is not None else "–"
        lines.append(
            f"{m['month']:<8} {m['lead_p50']:>11.1f} {m['lead_p90']:>10.1f} {m['backlog_hours']:>10.0f} "
            f"{m['waitlist_hours']:>12.0f} {util:>10}"
        )
    return "\n".join(lines)


def headline(summary: dict) -> str:
    q = round(summary["quantile"] * 100)
    lines = [
        f"Szenario: {summary['name']} ({summary['replications']} Simulationen ab {summary['start']})",
        f"Maßnahmen: {', '.join(summary['measures']) or 'keine'}",
        f"Kosten je Jahr: {eur(summary['cost_eur'])}; im Szenariozeitraum ({summary['days']} Tage): "
        f"{eur(summary['period_cost_eur'])}",
        f"Vorlauf heute (Median): {summary['lead_now_p50']:g} Tage; p{q} am Ende: {summary['lead_end_p90']:g} Tage",
        f"p{q} ≤ {summary['target_days']:g} Tage dauerhaft ab: {summary['reached'] or 'nicht erreicht'}",
        f"p{q} ≤ {summary['strict_days']:g} Tage dauerhaft ab: {summary['reached_strict'] or 'nicht erreicht'}",
        f"Öffnungstage über {summary['target_days']:g} Tagen (Median): {summary['days_over_target']:g}",
        f"Buchungswünsche je Jahr: {summary['requests_per_year']:,.0f}".replace(",", "."),
    ]
    return "\n".join(lines)


def eur(value: float) -> str:
    return f"{value:,.0f} €".replace(",", ".")


def candidates_table(optimised: dict, limit: int = 40) -> str:
    lines = [f"{'Kosten €/Jahr':>14} {'p90 Vorlauf':>11} {'≤ Ziel ab':>11} {'≤ streng ab':>11}  Maßnahmen"]
    for c in optimised["candidates"][:limit]:
        mark = "*" if c.get("chosen") else " "
        lines.append(
            f"{eur(c['cost_eur']):>14} {c['tail_lead']:>11.1f} {c['reached'] or '–':>11} "
            f"{c['reached_strict'] or '–':>11}"
            f" {mark}{' + '.join(c['measures']) or 'ohne Maßnahmen'}"
        )
    return "\n".join(lines)


def _percent(rate: float) -> str:
    value = round(rate * 100, 1)
    return number_format(int(value) if value.is_integer() else value) + " %"


def no_show_text(source: dict | None) -> str:
    """Where the run's no-show rate comes from, in one sentence (runs from before it was recorded: empty)."""
    if not source:
        return ""
    fmt = {
        "rate": _percent(source["rate"]),
        "appointments": number_format(source["appointments"], force_grouping=True),
        "missed": number_format(source["missed"], force_grouping=True),
        "first": date_format(dt.date.fromisoformat(source["first"]), "SHORT_DATE_FORMAT"),
        "last": date_format(dt.date.fromisoformat(source["last"]), "SHORT_DATE_FORMAT"),
        "minimum": source["minimum"],
    }
    measured = (
        _(
            "%(missed)s von %(appointments)s Terminen vom %(first)s bis %(last)s nicht wahrgenommen "
            "(nicht eingecheckt oder nach dem Aufruf nicht erschienen)"
        )
        % fmt
    )
    too_few = (
        _(
            "zu wenig Messwerte: %(appointments)s Termine an Tagen mit Wartenummern vom %(first)s bis %(last)s, "
            "mindestens %(minimum)s nötig"
        )
        % fmt
    )
    if source["source"] == "measured":
        return _("No-Show-Quote: %(rate)s – gemessen: %(measured)s.") % {**fmt, "measured": measured}
    if source["source"] == "default":
        return _("No-Show-Quote: Annahme: %(rate)s (%(too_few)s).") % {**fmt, "too_few": too_few}
    if source["measured_rate"] is not None:
        return _("No-Show-Quote: %(rate)s – Vorgabe des Szenarios (gemessen: %(measured_rate)s; %(measured)s).") % {
            **fmt,
            "measured_rate": _percent(source["measured_rate"]),
            "measured": measured,
        }
    return _("No-Show-Quote: %(rate)s – Vorgabe des Szenarios (%(too_few)s).") % {**fmt, "too_few": too_few}


def _days(value: float | None) -> str:
    return "–" if value is None else number_format(round(value, 1), decimal_pos=1)


def backtest_text(backtest: dict) -> str:
    """The backtest's verdict in one sentence (CLI and page)."""
    if not backtest["compared_weeks"]:
        return _("Rückblick ab %(at)s: keine gemessenen Vorlaufzeiten in diesem Zeitraum.") % {
            "at": date_format(dt.date.fromisoformat(backtest["at"]), "SHORT_DATE_FORMAT")
        }
    return _(
        "Rückblick ab %(at)s (%(weeks)s Wochen, %(reps)s Simulationen): Median des absoluten Fehlers %(error)s Tage, "
        "gemessener Wert im vorhergesagten 80-%%-Band in %(coverage)s der Wochen (Ziel: mindestens %(goal)s)."
    ) % {
        "at": date_format(dt.date.fromisoformat(backtest["at"]), "SHORT_DATE_FORMAT"),
        "weeks": backtest["compared_weeks"],
        "reps": number_format(backtest["replications"], force_grouping=True),
        "error": _days(backtest["median_abs_error"]),
        "coverage": _percent(backtest["coverage"]),
        "goal": _percent(backtest["goal"]),
    }


def backtest_reference() -> str:
    """What the band holds and how the model fared on the synthetic city (CLI and page, beside the verdict)."""
    check = backtesting.SYNTHETIC_CHECK
    return _(
        "Das 80-%%-Band enthält die Zufälligkeit der Nachfrage und die Unsicherheit der aus dem letzten Jahr "
        "geschätzten Nachfrage. Geprüft an einer synthetischen Stadt mit bekannten Parametern: Messwert im Band in "
        "%(inside)s von %(weeks)s Wochen (%(coverage)s), Abweichung im Mittel %(bias)s Tage."
    ) % {
        "inside": check["inside"],
        "weeks": check["weeks"],
        "coverage": _percent(check["inside"] / check["weeks"]),
        "bias": _days(check["bias"]),
    }


def backtest_rows(backtest: dict) -> list[dict]:
    """Week rows with localised dates and numbers, for the page's table."""
    return [
        {
            "first": date_format(dt.date.fromisoformat(w["first"]), "SHORT_DATE_FORMAT"),
            "realised": _days(w["realised"]),
            "p10": _days(w["p10"]),
            "p50": _days(w["p50"]),
            "p90": _days(w["p90"]),
            "inside": w["inside"],
        }
        for w in backtest["weeks"]
    ]


def backtest_table(backtest: dict) -> str:
    lines = [f"{'Woche ab':<10} {'gemessen':>9} {'p10':>6} {'Median':>7} {'p90':>6}  im Band"]
    for row in backtest_rows(backtest):
        lines.append(
            f"{row['first']:<10} {row['realised']:>9} {row['p10']:>6} {row['p50']:>7} {row['p90']:>6}  "
            f"{'ja' if row['inside'] else 'nein'}"
        )
    return "\n".join(lines)
