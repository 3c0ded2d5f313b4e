"""`buergerbuero plan SCENARIO.toml` (the `plan` management command)."""

import pytest
from django.core.management import CommandError, call_command

SCENARIO = """
name = "Test"
office = "plan-office"
[run]
months = 2
replications = 10
optimise_replications = 10
[[measures]]
kind = "extra_staff"
hours_per_week = 20
enabled = false
optimise = true
[[measures]]
kind = "pre_application"
service = "personalausweis"
minutes = 10
enabled = true
"""


def test_plan_prints_a_table_and_writes_csv_and_svg(planning_office, tmp_path, capsys):
    path = tmp_path / "test.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    call_command("plan", str(path))
    out = capsys.readouterr().out
    assert "Monat" in out and "Vorlauf p50" in out
    assert "Online-Vorantrag personalausweis" in out
    csv = (tmp_path / "test-daily.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith("date,lead_p10,lead_p50,lead_p90")
    assert len(csv) == 1 + 61
    assert (tmp_path / "test-bands.svg").read_text(encoding="utf-8").startswith("<svg")


def test_plan_optimise_writes_the_candidates_and_the_trade_off(planning_office, tmp_path, capsys):
    path = tmp_path / "opt.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    out_dir = tmp_path / "out"
    call_command("plan", str(path), "--optimise", "--out", str(out_dir))
    out = capsys.readouterr().out
    assert "Günstigste Kombination für das Ziel" in out
    rows = (out_dir / "opt-candidates.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 2  # with and without the extra staff
    assert "<svg" in (out_dir / "opt-tradeoff.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (SCENARIO.replace("hours_per_week = 20", "hours_per_week = -3"), "measures[0].hours_per_week"),
        (SCENARIO.replace('office = "plan-office"', 'office = "nowhere"'), "office"),
        (SCENARIO.replace('service = "personalausweis"', 'service = "zauberei"'), "measures"),
    ],
)
def test_bad_scenario_names_the_field(planning_office, tmp_path, text, field):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("plan", str(path))
    assert field in str(info.value)
    assert not (tmp_path / "bad-daily.csv").exists()
