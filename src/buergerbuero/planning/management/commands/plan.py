"""`buergerbuero plan SCENARIO.toml [--optimise]`: simulate (or optimise) a scenario file, print a table,
write CSV and SVG next to it (or into --out).

`buergerbuero plan --backtest --office SLUG [--at DATE] [--weeks N]`: calibrate on the history before DATE,
simulate the following weeks and compare with the measured lead times (docs/planner.md, "Backtest")."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError
from buergerbuero.planning import calibration, report, runner
from buergerbuero.planning.scenario import ScenarioError, loads


class Command(BaseCommand):
    help = "Simulate a what-if scenario file (TOML) for an office; --optimise finds the cheapest measures."

    def add_arguments(self, parser):
        parser.add_argument("scenario", type=Path, nargs="?", help="scenario file (TOML), see docs/examples/")
        parser.add_argument("--optimise", action="store_true", help="search the cheapest combination of measures")
        parser.add_argument("--out", type=Path, default=None, help="directory for CSV/SVG (default: next to the file)")
        parser.add_argument("--replications", type=int, default=None, help="override run.replications")
        parser.add_argument("--backtest", action="store_true", help="compare predictions with measured lead times")
        parser.add_argument("--office", default=None, help="office slug for --backtest (default: the scenario's)")
        parser.add_argument("--at", type=dt.date.fromisoformat, default=None, help="backtest start day (YYYY-MM-DD)")
        parser.add_argument("--weeks", type=int, default=calibration.BACKTEST_WEEKS, help="backtest weeks (8–12)")

    def handle(self, *args, scenario: Path | None, optimise: bool, out: Path | None, replications, **options):
        if options["backtest"]:
            return self.backtest(scenario, options["office"], options["at"], options["weeks"], replications)
        if scenario is None:
            raise CommandError("Szenario-Datei fehlt (oder --backtest angeben).")
        try:
            text = scenario.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Szenario-Datei nicht lesbar: {exc}") from None
        try:
            spec = loads(text)
            if replications is not None:
                spec = spec.model_copy(
                    update={"run": spec.run.model_validate({**spec.run.model_dump(), "replications": replications})}
                )
        except ScenarioError as exc:
            raise CommandError(
                "Ungültiges Szenario:\n" + "\n".join(f"  {path or '(Datei)'}: {text}" for path, text in exc.messages)
            ) from None
        except ValueError as exc:
            raise CommandError(f"Ungültiger Wert bei „--replications“: {exc}") from None
        try:
            office = catalog_selectors.office_by_slug(spec.office)
        except DomainError:
            raise CommandError(f"office: Standort „{spec.office}“ gibt es nicht.") from None
        start = spec.run.start or timezone.localdate()
        no_show = calibration.no_show_basis(office, start=start)
        base = calibration.office_model(office, start=start, days=spec.run.days, no_show=no_show)
        facts = calibration.office_facts(base)
        self.stdout.write(
            f"{office.name}: Kapazität {facts['capacity_hours_per_week']:g} h/Woche, Nachfrage "
            f"{facts['demand_hours_per_week']:g} h/Woche ({facts['requests_per_week']:g} Buchungswünsche), "
            f"schon gebucht {facts['booked_ahead_hours']:g} h"
        )
        self.stdout.write(report.no_show_text(calibration.no_show_source(no_show, spec.assumptions.no_show_rate)))
        out = out or scenario.resolve().parent
        out.mkdir(parents=True, exist_ok=True)
        stem = scenario.stem
        written = []
        try:
            if optimise:
                result = runner.optimise(base, spec)
                self.stdout.write("\n" + report.candidates_table(result))
                q = round(spec.target.quantile * 100)
                for key, reached, label, days in (
                    ("choice", "reached", "Ziel", spec.target.lead_days),
                    ("strict_choice", "reached_strict", "strenge Ziel", spec.target.strict_lead_days),
                ):
                    c = result[key]
                    found = (
                        f"{' + '.join(c['measures']) or 'ohne Maßnahmen'} – {report.eur(c['cost_eur'])}/Jahr "
                        f"(mit {spec.run.optimise_replications} Simulationen: p{q} ≤ {days:g} Tage ab {c[reached]})"
                        if c
                        else "keine Kombination erreicht es"
                    )
                    self.stdout.write(f"\nGünstigste Kombination für das {label}: {found}")
                (out / f"{stem}-candidates.csv").write_text(report.candidates_csv(result), encoding="utf-8")
                (out / f"{stem}-tradeoff.svg").write_text(report.tradeoff_svg(result), encoding="utf-8")
                written += [f"{stem}-candidates.csv", f"{stem}-tradeoff.svg"]
                summary = result["detail"]
            else:
                summary = runner.run(base, spec)
        except ScenarioError as exc:
            raise CommandError("Ungültiges Szenario:\n" + str(exc)) from None
        if summary is not None:
            self.stdout.write("\n" + report.headline(summary) + "\n\n" + report.month_table(summary))
            (out / f"{stem}-daily.csv").write_text(report.daily_csv(summary), encoding="utf-8")
            (out / f"{stem}-bands.svg").write_text(report.bands_svg([(summary["name"], summary)]), encoding="utf-8")
            written += [f"{stem}-daily.csv", f"{stem}-bands.svg"]
        self.stdout.write("\nGeschrieben: " + ", ".join(str(out / name) for name in written))

    def backtest(self, scenario: Path | None, slug: str | None, at: dt.date | None, weeks: int, replications):
        if slug is None and scenario is not None:
            try:
                slug = loads(scenario.read_text(encoding="utf-8")).office
            except (OSError, ScenarioError) as exc:
                raise CommandError(f"Szenario-Datei nicht nutzbar: {exc}") from None
        if slug is None:
            raise CommandError("--office: Standort angeben (oder eine Szenario-Datei).")
        if not 1 <= weeks <= 26:
            raise CommandError("--weeks: 1 bis 26 Wochen.")
        if replications is not None and not 10 <= replications <= 5000:
            raise CommandError("--replications: 10 bis 5000.")
        try:
            office = catalog_selectors.office_by_slug(slug)
        except DomainError:
            raise CommandError(f"office: Standort „{slug}“ gibt es nicht.") from None
        today = timezone.localdate()
        at = at or calibration.backtest_start(today, weeks)
        if at + dt.timedelta(weeks=weeks) > today:
            raise CommandError(f"--at: die {weeks} Wochen ab {at} sind noch nicht vorbei.")
        result = calibration.backtest(
            office, at=at, weeks=weeks, replications=replications or calibration.BACKTEST_REPLICATIONS
        ).as_dict()
        self.stdout.write(f"{office.name}\n{report.backtest_text(result)}\n{report.backtest_reference()}")
        self.stdout.write(f"\n{report.backtest_table(result)}")
        if result["compared_weeks"] and not result["goal_met"]:
            self.stdout.write("\nZiel verfehlt: siehe docs/planner.md, Abschnitt „Backtest“.")
