"""Interval length from the ACD file, overlapping rows, CSV encodings and quotes, Erlang C without a cap.

Expectations are hand-computed (M/M/c closed forms) or closed-form asymptotics, not read off the code."""

import datetime as dt
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from buergerbuero.callcenter import erlang, selectors
from buergerbuero.callcenter.models import IntervalStat

HEAD = "interval;offered;answered;abandoned;answered_within_20s;handle_time"
MONDAY = dt.date(2026, 10, 5)


def post(client, world, data: str | bytes, **form):
    raw = data.encode() if isinstance(data, str) else data
    return client.post(
        f"/api/callcenter/contracts/{world.contract.pk}/intervals",
        {"file": SimpleUploadedFile("acd.csv", raw), **form},
    )


def staffing(client, world):
    url = f"/api/callcenter/contracts/{world.contract.pk}/staffing"
    params = "from=2026-10-05&to=2026-10-05&target_level=0.8&target_seconds=20&shrinkage=0"
    response = client.get(f"{url}?{params}")
    assert response.status_code == 200, response.content
    return response.json()


# 4 calls in 15 minutes at 225 s handle time = 1 Erlang. Hand-computed (M/M/c):
#   N = 2: C = 1/3,  SL(20 s) = 1 − 1/3 · e^(−1·20/225) = 0.695  < 0.8
#   N = 3: B(3, 1) = 1/16, C = 3·(1/16) / (3 − (15/16)) = 1/11, SL = 1 − (1/11) · e^(−2·20/225) = 0.924 ≥ 0.8
# → 3 agents. Read as 30 minutes (0.5 Erlang) it would be 2 (C(2, 0.5) = 0.1, SL = 0.912).
FIFTEEN_WITH_END = f"""{HEAD};interval_end
2026-10-05 08:00;4;4;0;4;225;08:15
2026-10-05 08:15;4;4;0;4;225;2026-10-05 08:30
"""


def test_length_from_the_end_column_gives_the_real_load(world, client):
    client.force_login(world.users["partner_lead"])
    assert post(client, world, FIFTEEN_WITH_END).status_code == 200
    assert sorted(IntervalStat.objects.values_list("minutes", flat=True)) == [15, 15]
    rows = staffing(client, world)
    assert [r["time"] for r in rows] == ["08:00", "08:15"]
    assert all(r["agents_on_phone"] == 3 for r in rows)
    assert rows[0]["wait_probability"] == pytest.approx(1 / 11, abs=1e-4)
    assert rows[0]["service_level"] == pytest.approx(1 - math.exp(-40 / 225) / 11, abs=1e-4)


@pytest.mark.parametrize(
    ("data", "form", "minutes"),
    [
        (f"{HEAD};interval_minutes\n2026-10-05 08:00;4;4;0;4;225;15\n2026-10-05 08:15;4;4;0;4;225;15\n", {}, 15),
        (f"{HEAD}\n2026-10-05 08:00;4;4;0;4;225\n2026-10-05 08:15;4;4;0;4;225\n", {"interval_minutes": 15}, 15),
        # the file's column wins over the form field
        (f"{HEAD};interval_minutes\n2026-10-05 08:00;4;4;0;4;225;15\n", {"interval_minutes": 60}, 15),
    ],
)
def test_length_from_a_minutes_column_or_the_form(world, client, data, form, minutes):
    client.force_login(world.users["partner_lead"])
    assert post(client, world, data, **form).status_code == 200
    assert set(IntervalStat.objects.values_list("minutes", flat=True)) == {minutes}
    assert staffing(client, world)[0]["agents_on_phone"] == 3


def test_the_import_form_takes_the_length_too(world, client):
    client.force_login(world.users["manager"])
    data = f"{HEAD}\n2026-10-05 08:00;4;4;0;4;225\n2026-10-05 08:15;4;4;0;4;225\n"
    response = client.post(
        "/callcenter/kennzahlen/import",
        {"contract": world.contract.pk, "interval_minutes": "15", "file": SimpleUploadedFile("a.csv", data.encode())},
    )
    assert response.status_code == 302
    assert set(IntervalStat.objects.values_list("minutes", flat=True)) == {15}
    bad = client.post(
        "/callcenter/kennzahlen/import",
        {"contract": world.contract.pk, "interval_minutes": "0", "file": SimpleUploadedFile("a.csv", data.encode())},
    )
    assert bad.status_code == 400 and 'id="interval-minutes-error"' in bad.content.decode()


def test_a_15_minute_file_read_as_30_minutes_is_refused_naming_the_line(world, client):
    """The old silent misreading: quarter-hour rows with the default length overlap each other."""
    client.force_login(world.users["partner_lead"])
    data = f"{HEAD}\n2026-10-05 08:00;4;4;0;4;225\n2026-10-05 08:15;4;4;0;4;225\n"
    response = post(client, world, data)
    assert response.status_code == 400
    body = response.json()
    assert body["line"] == 3 and body["column"] == "interval"
    assert "Zeile 2" in body["detail"] and "05.10.2026 08:15" in body["detail"]
    assert IntervalStat.objects.count() == 0


def test_overlap_in_unsorted_file_and_with_stored_rows(world, client):
    client.force_login(world.users["partner_lead"])
    unsorted = f"{HEAD};interval_end\n2026-10-05 09:00;1;1;0;1;100;09:30\n2026-10-05 08:45;1;1;0;1;100;09:15\n"
    body = post(client, world, unsorted).json()
    assert body["line"] == 2 and "Zeile 3" in body["detail"]  # the later start overlaps the earlier one
    assert post(client, world, f"{HEAD}\n2026-10-05 08:00;1;1;0;1;100\n").status_code == 200  # 08:00–08:30
    later = post(
        client, world, f"{HEAD};interval_minutes\n2026-10-05 07:00;1;1;0;1;100;30\n2026-10-05 08:15;1;1;0;1;100;15\n"
    )
    assert later.status_code == 400 and later.json()["line"] == 3
    assert "05.10.2026 08:00" in later.json()["detail"]
    assert IntervalStat.objects.count() == 1
    # replacing the same start with another length is a replacement, not an overlap
    again = post(
        client, world, f"{HEAD};interval_minutes\n2026-10-05 08:00;2;2;0;2;100;15\n2026-10-05 08:15;1;1;0;1;100;15\n"
    )
    assert again.status_code == 200 and again.json() == {**again.json(), "created": 1, "replaced": 1}


def test_stray_quote_is_reported_on_its_own_line(world, client):
    client.force_login(world.users["partner_lead"])
    data = f'{HEAD}\n2026-10-05 08:00;1;1;0;1;100\n2026-10-05 08:30;"1;1;0;1;100\n2026-10-05 09:00;1;1;0;1;100\n'
    body = post(client, world, data).json()
    assert body["line"] == 3 and "Zeile 3" in body["detail"]


def test_windows_1252_files_are_read_and_others_named(world, client):
    client.force_login(world.users["partner_lead"])
    ok = f"{HEAD}\r\n2026-10-05 08:00;1;1;0;1;100\r\n".encode("cp1252")
    assert post(client, world, ok).status_code == 200
    # a cp1252 umlaut reaches the message intact instead of "not UTF-8"
    body = post(
        client, world, f"{HEAD}\n2026-10-05 09:00;1;eins;0;1;100\n05.10.2026 10:00;für;1;0;1;1\n".encode("cp1252")
    ).json()
    assert body["line"] == 2 and body["column"] == "answered"
    broken = post(client, world, f"{HEAD}\n".encode() + b"2026-10-05 11:00;1;1;0;1;\x81\n")
    assert broken.status_code == 400 and "Windows-1252" in broken.json()["detail"]


# --- Erlang C without a cap ---


def test_ten_thousand_erlangs_have_a_sane_minimal_answer():
    """Halfin–Whitt: for large A the smallest N with P(wait) ≤ α is A + β√A, β solving β·Φ(β)/φ(β) = (1−α)/α.
    α = 0.5 → β = 0.50605 → N ≈ 10,050.6 at A = 10,000 (target_seconds = 0 makes SL = 1 − P(wait))."""
    s = erlang.agents_needed(calls=100_000, handle_seconds=180, target_level=0.5, target_seconds=0, shrinkage=0)
    assert s.load == pytest.approx(10_000)
    assert abs(s.agents_on_phone - 10_050.6) <= 2
    assert s.wait_probability <= 0.5 < erlang.wait_probability(s.agents_on_phone - 1, s.load)  # minimal


@pytest.mark.parametrize("load", [995.0, 1_500.0, 30_000.0])
def test_above_the_old_1000_agent_cap(load):
    calls = load * 1800 / 240
    s = erlang.agents_needed(calls=calls, handle_seconds=240, target_level=0.8, target_seconds=20, shrinkage=0.25)
    n = s.agents_on_phone
    assert load < n < load + 3 * math.sqrt(load)
    assert erlang.service_level(n, load, 240, 20) >= 0.8 > erlang.service_level(n - 1, load, 240, 20)
    assert s.agents_rostered == math.ceil(n / 0.75)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"calls": -1}, "calls"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"handle_seconds": 0}, "handle_seconds"),
        ({"handle_seconds": 5 * 3600}, "handle_seconds"),
        ({"calls": 1e12}, "calls"),
        ({"calls": float("nan")}, "calls"),
        ({"target_level": 1.0}, "target_level"),
        ({"target_seconds": -5}, "target_seconds"),
        ({"shrinkage": 1.0}, "shrinkage"),
    ],
)
def test_nonsense_input_is_refused_by_name(kwargs, field):
    with pytest.raises(erlang.InputError) as exc:
        erlang.agents_needed(**{"calls": 100, "handle_seconds": 180, **kwargs})
    assert exc.value.field == field


def estimate(client, world, **params):
    query = "&".join(f"{k}={v}" for k, v in {"calls": 100, "handle_seconds": 180, **params}.items())
    return client.get(f"/api/callcenter/contracts/{world.contract.pk}/staffing/estimate?{query}")


def test_estimate_api_answers_large_loads_and_422_for_nonsense(world, client):
    client.force_login(world.users["partner_lead"])
    big = estimate(client, world, calls=100_000, target_level=0.5, target_seconds=0, shrinkage=0)
    assert big.status_code == 200 and abs(big.json()["agents_on_phone"] - 10_050.6) <= 2
    published = estimate(client, world, target_level=0.8, target_seconds=20).json()
    assert (published["agents_on_phone"], published["agents_rostered"]) == (14, 20)
    for params, field in (
        ({"calls": -3}, "calls"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"calls": 10**12}, "calls"),
        ({"handle_seconds": 0}, "handle_seconds"),
        ({"target_level": 80}, "target_level"),
        ({"calls": "viele"}, None),  # not a number at all: ninja's own 422
    ):
        response = estimate(client, world, **params)
        assert response.status_code == 422, (params, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        if field:
            assert response.json()["field"] == field


def test_estimate_form_shows_the_message_beside_the_field(world, client):
    client.force_login(world.users["manager"])
    url = f"/callcenter/kennzahlen/?contract={world.contract.pk}"
    page = client.get(
        f"{url}&calls=-5&handle_seconds=180&interval_minutes=30&target_level=80&target_seconds=20&shrinkage=30"
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="calc-calls-error"' in html and "Anrufe je Intervall" in html
    ok = client.get(
        f"{url}&calls=100&handle_seconds=180&interval_minutes=30&target_level=80&target_seconds=20&shrinkage=30"
    )
    assert ok.status_code == 200
    assert "14 Agenten am Telefon, 20 einzuplanen" in ok.content.decode()
    zero = client.get(
        f"{url}&calls=100&handle_seconds=180&interval_minutes=0&target_level=80&target_seconds=20&shrinkage=30"
    )
    assert zero.status_code == 400 and 'id="calc-interval_minutes-error"' in zero.content.decode()


def test_profile_divides_by_each_rows_own_length(world):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(MONDAY, dt.time(8), tzinfo=tz)
    IntervalStat.objects.create(
        contract=world.contract,
        start=start,
        minutes=60,
        offered=12,
        answered=12,
        abandoned=0,
        answered_within=12,
        threshold_seconds=20,
        handle_seconds=300,
    )
    row = selectors.interval_profile(world.contract, first=MONDAY, last=MONDAY)[0]
    assert row["minutes"] == 60
    assert erlang.traffic(row["calls"], row["handle_seconds"], row["minutes"] * 60) == pytest.approx(1.0)
