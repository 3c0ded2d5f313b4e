"""The booking API over Django's real HTTP stack: happy path, problem+json for bad input, nothing written."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.booking.models import Appointment
from tests import factories
from tests.antibot import solve

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday():
    return factories.next_weekday(0)


def start_at(day, hour=9, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN).isoformat()


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["messages"]["de"] and body["messages"]["en"]
    if field:
        assert body["field"] == field
    return body


def hold(client, office, day, hour=9, **extra):
    payload = {
        "office": office.slug,
        "services": ["personalausweis"],
        "start": start_at(day, hour),
        "altcha": solve(client),
        **extra,
    }
    return client.post("/api/holds", payload, content_type="application/json")


def test_catalog_endpoints(client, small_office):
    assert client.get("/api/offices").json()[0]["slug"] == small_office.slug
    assert client.get("/api/services", {"office": small_office.slug}).json()[0]["leika_key"] == "99008001000000"
    assert_problem(client.get("/api/offices/nirgendwo"), 404)
    assert "/api/holds" in client.get("/api/openapi.json").json()["paths"]


def test_book_look_up_move_and_cancel(client, small_office, monday):
    held = hold(client, small_office, monday)
    assert held.status_code == 201, held.content
    body = held.json()
    confirmed = client.post(
        f"/api/holds/{body['hold_id']}/confirm",
        {"token": body["token"], "name": "Erika Mustermann", "email": "erika@example.org"},
        content_type="application/json",
    )
    assert confirmed.status_code == 201, confirmed.content
    code, token = confirmed.json()["code"], confirmed.json()["token"]
    headers = {"X-Booking-Token": token}
    assert client.get(f"/api/appointments/{code}", headers=headers).json()["status"] == "confirmed"
    moved = client.post(
        f"/api/appointments/{code}/reschedule",
        {"start": start_at(monday, 10)},
        content_type="application/json",
        headers=headers,
    )
    assert moved.status_code == 200, moved.content
    assert dt.datetime.fromisoformat(moved.json()["start"]) == dt.datetime.fromisoformat(start_at(monday, 10))
    assert client.post(f"/api/appointments/{code}/cancel", headers=headers).json()["status"] == "cancelled"


def test_availability_days_times_and_earliest(client, small_office, monday):
    params = {
        "office": small_office.slug,
        "services": "personalausweis",
        "from": monday,
        "to": monday + dt.timedelta(days=6),
    }
    days = client.get("/api/availability/days", params).json()
    assert len(days) == 7
    assert days[0]["free_times"] == 23  # 08:00 … 11:40 for 20 minutes
    assert days[5]["free_times"] == 0  # Saturday
    thursday = next(d for d in days if d["date"] == str(monday + dt.timedelta(days=3)))
    assert thursday["free_times"] == 23 + 20  # plus the service evening 16:00 … 19:10
    times = client.get("/api/availability/times", {**params, "date": monday}).json()
    utc = [dt.datetime.fromisoformat(start_at(monday, 8, m)).astimezone(dt.UTC) for m in (0, 10)]
    assert times[0] == {"start": utc[0].isoformat().replace("+00:00", "Z"), "counters": 2}
    assert len(times) == 23 and times[1]["start"] == utc[1].isoformat().replace("+00:00", "Z")
    earliest = client.get("/api/availability/earliest", {"services": "personalausweis"}).json()
    assert earliest[0]["office"] == small_office.slug and earliest[0]["start"]


def test_the_last_time_goes_to_exactly_two_then_409(client, small_office, monday):
    assert hold(client, small_office, monday).status_code == 201
    assert hold(client, small_office, monday).status_code == 201
    body = assert_problem(hold(client, small_office, monday), 409, "start")
    assert body["code"] == "slot_taken"
    assert body["alternatives"][0] == dt.datetime.fromisoformat(start_at(monday, 9, 20)).astimezone(dt.UTC).isoformat()


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"services": "personalausweis", "from": "2026-01-01", "to": "2026-01-02"}, 422, "office"),
        ({"office": "x" * 61, "services": "personalausweis", "from": "2026-01-01", "to": "2026-01-02"}, 422, "office"),
        (
            {"office": "test-office", "services": "personalausweis", "from": "2026-13-45", "to": "2026-01-02"},
            422,
            "from",
        ),
        ({"office": "test-office", "services": "personalausweis", "from": "2020-01-01", "to": "2020-01-05"}, 400, "to"),
        ({"office": "test-office", "services": "personalausweis", "from": "today", "to": "far"}, 422, "from"),
        (
            {"office": "test-office", "services": "personalausweis", "from": "2099-01-01", "to": "2099-01-02"},
            400,
            "from",
        ),
        (
            {"office": "test-office", "services": "gibt-es-nicht", "from": "2026-01-01", "to": "2026-01-02"},
            404,
            "services",
        ),
        (
            {
                "office": "test-office",
                "services": "personalausweis",
                "persons": 0,
                "from": "2026-01-01",
                "to": "2026-01-02",
            },
            422,
            "persons",
        ),
        (
            {
                "office": "test-office",
                "services": "personalausweis",
                "persons": 5,
                "from": "2026-01-01",
                "to": "2026-01-02",
            },
            400,
            "persons",
        ),
        (
            {"office": "nirgendwo", "services": "personalausweis", "from": "2026-01-01", "to": "2026-01-02"},
            404,
            "office",
        ),
        (
            {
                "office": "test-office",
                "services": "personalausweis",
                "channel": "partner",
                "from": "2026-01-01",
                "to": "2026-01-02",
            },
            403,
            "channel",
        ),
    ],
)
def test_availability_bad_input(client, small_office, params, status, field):
    assert_problem(client.get("/api/availability/days", params), status, field)


def test_too_long_a_range_is_refused(client, small_office):
    today = dt.date.today()
    params = {
        "office": small_office.slug,
        "services": "personalausweis",
        "from": today,
        "to": today + dt.timedelta(days=90),
    }
    assert_problem(client.get("/api/availability/days", params), 400, "to")


def test_bad_holds_and_confirmations_write_nothing(client, small_office, monday):
    assert_problem(hold(client, small_office, monday - dt.timedelta(days=30)), 400, "start")
    assert_problem(hold(client, small_office, monday, start="gestern"), 422, "start")
    assert_problem(hold(client, small_office, monday, persons=99), 422, "persons")
    assert_problem(client.post("/api/holds", "{not json", content_type="application/json"), 400)
    assert Appointment.objects.count() == 0

    body = hold(client, small_office, monday).json()
    url = f"/api/holds/{body['hold_id']}/confirm"
    good = {"token": body["token"], "name": "Erika Mustermann", "email": "erika@example.org"}
    assert_problem(client.post(url, {**good, "token": "falsch"}, content_type="application/json"), 404, "hold")
    assert_problem(client.post(url, {**good, "email": "erika@"}, content_type="application/json"), 400, "email")
    assert_problem(client.post(url, {**good, "email": ""}, content_type="application/json"), 400, "email")
    # the phone is checked as on the booking pages and in the call center (core.contact)
    assert_problem(client.post(url, {**good, "phone": "12"}, content_type="application/json"), 400, "phone")
    assert_problem(client.post(url, {**good, "name": "E" * 121}, content_type="application/json"), 422, "name")
    assert_problem(client.post("/api/holds/not-a-uuid/confirm", good, content_type="application/json"), 422, "hold_id")
    assert Appointment.objects.get().status == "held"
    assert_problem(client.get("/api/appointments/ABCD-EFGH", headers={"X-Booking-Token": "x"}), 404, "code")


def test_staff_day_needs_login_and_the_right_organisation(client, small_office, monday):
    User = get_user_model()
    clerk = User.objects.create_user("clerk")
    StaffMembership.objects.create(user=clerk, organisation=small_office.organisation, role="clerk")
    stranger = User.objects.create_user("stranger")
    other = Organisation.objects.create(name="Andere Stadt")
    StaffMembership.objects.create(user=stranger, organisation=other, role="clerk")
    body = hold(client, small_office, monday).json()
    client.post(
        f"/api/holds/{body['hold_id']}/confirm",
        {"token": body["token"], "name": "Erika Mustermann", "email": "erika@example.org"},
        content_type="application/json",
    )
    url = f"/api/staff/offices/{small_office.slug}/day?date={monday}"

    assert_problem(client.get(url), 401)
    assert_problem(client.get(url, headers={"Authorization": "Bearer bb_falsch"}), 401)
    assert_problem(client.get(url, headers=factories.bearer(stranger)), 403, "office")
    rows = client.get(url, headers=factories.bearer(clerk)).json()
    assert [r["name"] for r in rows] == ["Erika Mustermann"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.dictionaries(
        st.sampled_from(["office", "services", "persons", "from", "to", "date", "channel"]),
        st.text(max_size=30),
        max_size=7,
    ),
    path=st.sampled_from(["/api/availability/days", "/api/availability/times", "/api/availability/earliest"]),
)
def test_no_input_gives_a_500(client, small_office, values, path):
    response = client.get(path, values)
    assert response.status_code < 500


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_message_with_a_parameter_is_english_in_english_whatever_the_request_language(client, small_office, language):
    """`_("… %(days)d …") % {...}` translated once would make messages.en German (issue 16)."""
    today = dt.date.today()
    horizon = {"office": small_office.slug, "services": "personalausweis", "from": today + dt.timedelta(days=400)}
    for params, field in (
        ({**horizon, "from": today, "to": today + dt.timedelta(days=90)}, "to"),
        ({**horizon, "to": today + dt.timedelta(days=401)}, "from"),
    ):
        body = client.get("/api/availability/days", params, HTTP_ACCEPT_LANGUAGE=language).json()
        assert body["field"] == field
        assert body["messages"]["de"].startswith(("Bitte höchstens", "Termine werden nur bis"))
        assert body["messages"]["en"].startswith(("Please", "Appointments")), body["messages"]
        assert body["detail"] == body["messages"][language]
        if field == "from":  # the horizon date in each language's own format
            assert re.search(r"\d{2}\.\d{2}\.\d{4}", body["messages"]["de"])
            assert not re.search(r"\d{2}\.\d{2}\.\d{4}", body["messages"]["en"])
