"""Charts: accessible SVG, data table, CSV rows and the PDF drawing from the same shapes (pure)."""

import datetime as dt

from django.utils import translation

from buergerbuero.insights import charts, pdf


def _chart(**extra):
    days = tuple(dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(4))
    fields = {
        "key": "lead_time",
        "title": "Vorlaufzeit <Test>",
        "unit": "Tage",
        "x": days,
        "columns": (charts.Column("Vorlaufzeit", (20, 30.5, None, 12)),),
        "band": (14, 28),
        "band_label": "Ziel 14–28 Tage",
        "events": ((dt.date(2026, 1, 2), "Schließung & Umbau"),),
        "none_label": "kein freier Termin",
    }
    fields.update(extra)
    return charts.Chart(**fields)


def test_svg_is_an_accessible_image_with_title_and_description():
    svg = charts.svg(_chart())
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-lead_time-title chart-lead_time-desc"' in svg
    assert '<title id="chart-lead_time-title">Vorlaufzeit &lt;Test&gt;</title>' in svg
    assert "Zielkorridor 14 bis 28 Tage" in svg
    assert "1: 02.01.2026 Schließung &amp; Umbau" in svg
    assert "<Test>" not in svg  # escaped


def test_missing_value_splits_the_line_and_is_marked():
    layout = charts.shapes(_chart())
    lines = [s for s in layout.shapes if isinstance(s, charts.Polyline)]
    assert len(lines) == 1 and len(lines[0].points) == 2  # 20 → 30.5, then a gap
    assert any(isinstance(s, charts.Rect) and s.label == "kein freier Termin" for s in layout.shapes)


def test_table_and_csv_carry_the_same_numbers():
    header, rows = charts.table(_chart())
    assert header == ["Tag", "Vorlaufzeit (Tage)"]
    assert rows[1] == ["02.01.2026", "30,5"]
    assert rows[2] == ["03.01.2026", "kein freier Termin"]
    header, rows = charts.csv_rows(_chart())
    assert header == ["date", "Vorlaufzeit"]
    assert rows[1] == ["2026-01-02", "30.5"]
    assert rows[2] == ["2026-01-03", "none"]


def test_stacked_weekly_bars_and_german_number_format():
    weeks = (dt.date(2026, 1, 5), dt.date(2026, 1, 12))
    chart = charts.Chart(
        key="demand",
        title="Nachfrage",
        unit="Termine",
        x=weeks,
        x_kind="week",
        kind="stacked",
        columns=(charts.Column("online", (1200, 3)), charts.Column("Telefon", (0, 4))),
    )
    bars = [s for s in charts.shapes(chart).shapes if isinstance(s, charts.Rect) and s.label]
    assert len(bars) == 4
    assert "KW 02/2026, online: 1.200" in [b.label for b in bars]
    assert charts.table(chart)[1][0] == ["KW 02/2026", "1.200", "0"]
    assert charts.nice_step(47) == 10
    assert charts.nice_step(0.7) == 0.2


def test_pdf_drawing_uses_the_same_shapes():
    chart = _chart()
    drawing = pdf.drawing(chart)
    assert len(drawing.contents) == len(charts.shapes(chart).shapes)


def test_a_day_without_measurement_breaks_the_line():
    days = (dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 5), dt.date(2026, 1, 6))
    chart = _chart(x=days, columns=(charts.Column("Vorlaufzeit", (20, 21, 22, 23)),), max_gap_days=1)
    lines = [s for s in charts.shapes(chart).shapes if isinstance(s, charts.Polyline)]
    assert [len(line.points) for line in lines] == [2, 2]
    assert (
        len([s for s in charts.shapes(_chart(x=days, columns=chart.columns)).shapes if isinstance(s, charts.Polyline)])
        == 1
    )


def test_dates_follow_the_active_language():
    chart = _chart()
    quarter = _chart(x=tuple(dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(90)), events=())

    def ticks(c):
        bottom = max(s.y for s in charts.shapes(c).shapes if isinstance(s, charts.Text))
        return [s.text for s in charts.shapes(c).shapes if isinstance(s, charts.Text) and s.y == bottom]

    with translation.override("de"):
        assert charts.table(chart)[1][1][0] == "02.01.2026"
        assert "1: 02.01.2026 Schließung & Umbau" in charts.description(chart)
        assert ticks(chart) == ["1.1.", "2.1.", "3.1.", "4.1."]
        assert ticks(quarter) == ["Jan 26", "Feb 26", "Mär 26"]
    with translation.override("en"):
        assert charts.table(chart)[1][1][0] == "2 Jan 2026"
        assert charts.events_text(chart).endswith("1: 2 Jan 2026 Schließung & Umbau")
        assert ticks(chart) == ["1 Jan", "2 Jan", "3 Jan", "4 Jan"]
        assert ticks(quarter) == ["Jan 26", "Feb 26", "Mar 26"]


def test_numbers_follow_the_active_language():
    with translation.override("de"):
        assert [charts.format_number(v) for v in (1234.56, 1200, 0.25, -3.04)] == ["1.234,6", "1.200", "0,2", "-3,0"]
        assert charts.table(_chart())[1][1] == ["02.01.2026", "30,5"]
    with translation.override("en"):
        assert [charts.format_number(v) for v in (1234.56, 1200, 0.25, -3.04)] == ["1,234.6", "1,200", "0.2", "-3.0"]
        assert charts.table(_chart())[1][1] == ["2 Jan 2026", "30.5"]
        assert charts.csv_rows(_chart())[1][1] == ["2026-01-02", "30.5"]  # machines get the same in every language
