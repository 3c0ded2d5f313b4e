"""Call log, callback tickets with the SLA clock, booking for a caller, interval import, statements."""

import datetime as dt
import re
from decimal import Decimal

import holidays
import pytest
from django.utils import timezone

from buergerbuero.booking.models import Appointment
from buergerbuero.callcenter import selectors, services
from buergerbuero.callcenter.models import Call, IntervalStat, Ticket
from buergerbuero.core import contact
from buergerbuero.core.errors import DomainError, Forbidden, NotFound
from tests import factories


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0234/123456", "+49234123456"),
        ("0234 123456", "+49234123456"),
        ("+49 (234) 12 34 56", "+49234123456"),
        ("0049 2305 10 60", "+49230510 60".replace(" ", "")),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised(raw, e164):
    assert contact.phone_number(raw, field="caller_number") == e164


@pytest.mark.parametrize("raw", ["12", "abc", "0234/12345678901234567"])
def test_bad_phone_numbers_name_the_field(raw):
    with pytest.raises(DomainError) as exc:
        contact.phone_number(raw, field="caller_number")
    assert exc.value.field == "caller_number"


@pytest.mark.parametrize(("raw", "seconds"), [("4", 240), ("3:20", 200), ("0:45", 45)])
def test_duration_in_a_few_keystrokes(raw, seconds):
    assert services.parse_duration(raw) == seconds


@pytest.mark.parametrize("raw", ["", "0", "3:75", "zwei", "999:00"])
def test_bad_duration(raw):
    with pytest.raises(DomainError):
        services.parse_duration(raw)


def test_call_log_via_api_normalises_number_and_checks_contract(world, client):
    client.force_login(world.users["agent"])
    ok = client.post(
        "/api/callcenter/calls",
        {
            "office": "castrop",
            "outcome": "booked",
            "duration_seconds": 200,
            "service": "personalausweis",
            "caller_number": "0234/123456",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["caller_number"] == "+49234123456"
    not_covered = client.post(
        "/api/callcenter/calls",
        {"office": "castrop", "outcome": "settled", "duration_seconds": 60, "service": "waffenschein"},
        content_type="application/json",
    )
    assert not_covered.status_code == 403 and not_covered.json()["field"] == "service"
    other_city = client.post(
        "/api/callcenter/calls",
        {"office": "herne", "outcome": "settled", "duration_seconds": 60, "service": "personalausweis"},
        content_type="application/json",
    )
    assert other_city.status_code == 403 and other_city.json()["field"] == "office"
    bad = client.post(
        "/api/callcenter/calls",
        {
            "office": "castrop",
            "outcome": "settled",
            "duration_seconds": 60,
            "service": "personalausweis",
            "caller_number": "abc",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "caller_number"
    no_topic = client.post(
        "/api/callcenter/calls",
        {"office": "castrop", "outcome": "settled", "duration_seconds": 60},
        content_type="application/json",
    )
    assert no_topic.status_code == 400 and no_topic.json()["field"] == "service"
    assert Call.objects.count() == 1


def test_call_log_form_shows_the_message_beside_the_field(world, client):
    client.force_login(world.users["agent"])
    response = client.post(
        "/callcenter/anrufe",
        {"office": "castrop", "outcome": "settled", "duration": "3:75", "service": "personalausweis"},
    )
    assert response.status_code == 400
    assert "Minuten:Sekunden" in response.content.decode()
    assert Call.objects.count() == 0
    response = client.post(
        "/callcenter/anrufe",
        {
            "office": "castrop",
            "outcome": "settled",
            "duration": "3:20",
            "service": "personalausweis",
            "caller_number": "0234/123456",
        },
    )
    assert response.status_code == 302
    assert Call.objects.get().caller_number == "+49234123456"


def test_unknown_leika_key_is_a_clear_error(world, client):
    client.force_login(world.users["clerk"])
    body = {
        "leika_key": "99999999999999",
        "title": "x",
        "summary": "x",
        "caller_script": "x",
        "review_due": "2030-01-01",
    }
    response = client.put("/api/callcenter/kb/articles", body, content_type="application/json")
    assert response.status_code == 404 and response.json()["field"] == "leika_key"
    response = client.put("/api/callcenter/kb/articles", {**body, "leika_key": "123"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "leika_key"


def test_ticket_for_another_municipality_is_refused(world, client):
    client.force_login(world.users["agent"])
    response = client.post(
        "/api/callcenter/callbacks",
        {"office": "herne", "reason": "x", "caller_name": "Max Muster", "caller_phone": "0234/123456"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["field"] == "office"
    other_article = world.articles[("other_city", "personalausweis")]
    response = client.post(
        "/api/callcenter/callbacks",
        {
            "office": "castrop",
            "reason": "x",
            "caller_name": "Max Muster",
            "caller_phone": "0234/123456",
            "article_id": other_article.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["field"] == "article"
    response = client.post(
        "/api/callcenter/callbacks",
        {"office": "castrop", "reason": "x", "caller_name": "Max Muster"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "caller_phone"
    assert Ticket.objects.count() == 0


def test_ticket_page_in_english_writes_dates_and_units_the_english_way(world, client):
    tz = timezone.get_current_timezone()
    created = dt.datetime(2026, 3, 2, 11, tzinfo=tz)  # a Monday; service hours 8–18: due 13:00 (2 h SLA)
    world.contract.callback_sla_hours = 2
    world.contract.save()
    ticket = services.create_ticket(
        viewer=world.viewer("agent"),
        office=world.office,
        reason="Stand?",
        caller_name="Erika Muster",
        caller_email="e@example.org",
        now=created,
    )
    client.force_login(world.users["clerk"])
    page = client.get(f"/callcenter/rueckrufe/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 Mar 2026 11:00" in page and "2 Mar 2026 13:00" in page  # not 02.03.2026
    assert re.search(r"<dd>\d+ of 120 minutes</dd>", page)  # a unit after a number: lower case
    german = client.get(f"/callcenter/rueckrufe/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "02.03.2026 11:00" in german and re.search(r"<dd>\d+ von 120 Minuten</dd>", german)
    client.force_login(world.users["manager"])
    numbers = client.get("/callcenter/kennzahlen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<th>Minutes</th>" in numbers  # the same word as a column header stays capitalised


def test_ticket_due_skips_the_client_citys_public_holiday(world):
    """Ascension Day (Thursday 14 May 2026) is a holiday in NRW: a 3-hour callback asked on Wednesday at
    17:00 gets 1 hour on Wednesday and 2 on Friday → Friday 10:00 (service hours Mon–Fri 8–18)."""
    tz = timezone.get_current_timezone()
    world.contract.starts_on = dt.date(2026, 1, 1)
    world.contract.callback_sla_hours = 3
    world.contract.save()
    assert world.office.land == "NW"
    ticket = services.create_ticket(
        viewer=world.viewer("agent"),
        office=world.office,
        reason="Rückruf",
        caller_name="Erika Muster",
        caller_phone="0234 123456",
        now=dt.datetime(2026, 5, 13, 17, tzinfo=tz),
    )
    assert ticket.due_at == dt.datetime(2026, 5, 15, 10, tzinfo=tz)
    clock = selectors.ticket_clock(ticket, now=dt.datetime(2026, 5, 15, 9, 30, tzinfo=tz))
    assert clock == {"used_minutes": 150, "remaining_minutes": 30, "overdue": False}


def test_ticket_sla_pause_overdue_and_close(world):
    tz = timezone.get_current_timezone()
    monday = factories.next_weekday(0, after=timezone.localdate() - dt.timedelta(days=30), weeks_ahead=0)
    nrw = holidays.country_holidays("DE", subdiv=world.office.land, years=[monday.year - 1, monday.year])
    while any(monday + dt.timedelta(days=i) in nrw for i in range(3)):  # Easter/Whit Monday: a week earlier
        monday -= dt.timedelta(days=7)
    created = dt.datetime.combine(monday, dt.time(11), tzinfo=tz)
    agent, clerk = world.viewer("agent"), world.viewer("clerk")
    world.contract.callback_sla_hours = 2
    world.contract.hours_start, world.contract.hours_end = dt.time(9), dt.time(17)  # the office opens 8–12
    world.contract.save()
    ticket = services.create_ticket(
        viewer=agent,
        office=world.office,
        reason="Stand?",
        caller_name="Erika Muster",
        caller_email="e@example.org",
        article=world.articles[("city", "personalausweis")],
        now=created,
    )
    # The contract's service hours (Mon–Fri 9–17) count, not the office's opening hours (8–12): Monday 13:00.
    assert ticket.due_at == dt.datetime.combine(monday, dt.time(13), tzinfo=tz)
    assert ticket.service == world.services["personalausweis"]  # from the linked article
    services.wait_for_citizen(viewer=clerk, ticket_id=ticket.pk, now=created + dt.timedelta(minutes=30))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and ticket.due_at is None
    with pytest.raises(DomainError):
        services.wait_for_citizen(viewer=clerk, ticket_id=ticket.pk)
    # Waiting from Monday 11:30 to Wednesday 8:00: 1.5 h of the clock left, service from 9:00 → Wednesday 10:30.
    wednesday_8 = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(8), tzinfo=tz)
    services.resume(viewer=clerk, ticket_id=ticket.pk, now=wednesday_8)
    ticket.refresh_from_db()
    assert ticket.due_at == wednesday_8 + dt.timedelta(minutes=150)
    # It is long past: overdue for the municipality, not for the other one.
    assert list(selectors.overdue(selectors.tickets(clerk, now=timezone.now()), now=timezone.now())) == [ticket]
    assert (
        list(selectors.overdue(selectors.tickets(world.viewer("other_clerk"), now=timezone.now()), now=timezone.now()))
        == []
    )
    with pytest.raises(DomainError) as exc:
        services.close_ticket(viewer=clerk, ticket_id=ticket.pk, note="  ")
    assert exc.value.field == "note"
    with pytest.raises(NotFound):
        services.close_ticket(viewer=world.viewer("other_clerk"), ticket_id=ticket.pk, note="x")
    with pytest.raises(Forbidden):
        services.close_ticket(viewer=agent, ticket_id=ticket.pk, note="x")
    services.close_ticket(viewer=clerk, ticket_id=ticket.pk, note="Zurückgerufen.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closing_note == "Zurückgerufen."
    assert not selectors.overdue(Ticket.objects.all(), now=timezone.now()).exists()


def test_agent_books_through_the_partner_share_only(world, client):
    day = factories.next_weekday(1)
    client.force_login(world.users["agent"])
    free = client.get(f"/api/callcenter/availability?office=castrop&service=personalausweis&date={day}").json()
    assert free
    # Two counters, 50 % partner share: the agent sees one lane's times (08:00–12:00 in 20-minute steps).
    starts = [dt.datetime.fromisoformat(f["start"]) for f in free]
    response = client.post(
        "/api/callcenter/appointments",
        {
            "office": "castrop",
            "service": "personalausweis",
            "start": free[0]["start"],
            "name": "Erika Muster",
            "email": "erika@example.org",
            "phone": "0234/123456",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(code=response.json()["code"])
    assert appointment.channel == "partner" and appointment.status == "confirmed"
    assert appointment.phone == "+49234123456"
    again = client.post(
        "/api/callcenter/appointments",
        {
            "office": "castrop",
            "service": "personalausweis",
            "start": free[0]["start"],
            "name": "Max Muster",
            "email": "max@example.org",
        },
        content_type="application/json",
    )
    assert again.status_code == 409
    assert starts[0] not in [
        dt.datetime.fromisoformat(f["start"])
        for f in client.get(f"/api/callcenter/availability?office=castrop&service=personalausweis&date={day}").json()
    ]
    not_covered = client.get(f"/api/callcenter/availability?office=castrop&service=waffenschein&date={day}")
    assert not_covered.status_code == 403 and not_covered.json()["field"] == "service"
    # an empty service is as unknown as a wrong one (it used to reach the booking question as None)
    empty = client.get(f"/api/callcenter/availability?office=castrop&service=&date={day}")
    assert empty.status_code == 404 and empty.json()["field"] == "service"
    no_service = client.post(
        "/api/callcenter/appointments",
        {"office": "castrop", "service": "", "start": free[0]["start"], "name": "Max Muster", "email": "m@example.org"},
        content_type="application/json",
    )
    assert no_service.status_code == 404 and no_service.json()["field"] == "service"


CSV_OK = """interval;offered;answered;abandoned;answered_within_30s;handle_time;asa
2026-10-05 08:00;20;18;2;15;200;20
2026-10-05 08:30;10;10;0;10;180;5
"""


def test_interval_import_and_service_level(world, client):
    client.force_login(world.users["partner_lead"])
    url = f"/api/callcenter/contracts/{world.contract.pk}/intervals"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("a.csv", CSV_OK.encode())})
    assert response.status_code == 200 and response.json()["created"] == 2
    again = client.post(url, {"file": SimpleUploadedFile("a.csv", CSV_OK.encode())}).json()
    assert again["created"] == 0 and again["replaced"] == 2
    level = selectors.service_level(world.contract, first=dt.date(2026, 10, 5), last=dt.date(2026, 10, 5))
    assert level["service_level"] == pytest.approx(25 / 30)
    assert level["abandonment"] == pytest.approx(2 / 30)
    assert level["asa_seconds"] == pytest.approx((18 * 20 + 10 * 5) / 28)
    assert level["threshold_seconds"] == 30
    # the raw counts insights sums per day (callcenter.selectors.interval_counts): intervals starting in [start, end)
    morning = dt.datetime(2026, 10, 5, 8, tzinfo=timezone.get_current_timezone())
    rows = selectors.interval_counts([world.contract], start=morning, end=morning + dt.timedelta(minutes=30))
    assert list(rows) == [(morning, 20, 15, 2, 30)]


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        ("interval;offered;answered;abandoned;handle_time\n2026-10-05 08:00;1;1;0;100\n", 1, "answered_within_<t>s"),
        ("interval;offered;answered;abandoned;answered_within_30s;handle_time;colour\n", 1, "colour"),
        (CSV_OK + "2026-10-05 09:00;5;5;0;4\n", 4, None),  # broken line: too few fields
        (CSV_OK + "2026-10-05 09:00;5;fünf;0;4;100;3\n", 4, "answered"),
        (CSV_OK + "gestern;5;5;0;4;100;3\n", 4, "interval"),
        (CSV_OK + "2026-10-05 09:00;5;5;1;4;100;3\n", 4, "abandoned"),
        (CSV_OK + "2026-10-05 09:00;5;4;0;5;100;3\n", 4, "answered_within_30s"),
        (CSV_OK + "2026-10-05 08:30;5;4;0;3;100;3\n", 4, "interval"),  # twice in the file
        (CSV_OK + '2026-10-05 09:00;"5;5;0;4;100;3\n', 4, None),  # unterminated quote
    ],
)
def test_bad_csv_names_line_and_field_and_imports_nothing(world, client, data, line, column):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["manager"])
    response = client.post(
        f"/api/callcenter/contracts/{world.contract.pk}/intervals", {"file": SimpleUploadedFile("a.csv", data.encode())}
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["line"] == line and body["column"] == column
    assert f"Zeile {line}" in body["detail"]
    assert IntervalStat.objects.count() == 0


def test_bad_csv_in_the_page_shows_the_message(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["manager"])
    response = client.post(
        "/callcenter/kennzahlen/import",
        {"contract": world.contract.pk, "file": SimpleUploadedFile("a.csv", (CSV_OK + "x;1\n").encode())},
    )
    assert response.status_code == 400
    assert "CSV Zeile 4" in response.content.decode()
    assert IntervalStat.objects.count() == 0


def _calls(world, month: dt.date, seconds_list):
    tz = timezone.get_current_timezone()
    Call.objects.bulk_create(
        Call(
            contract=world.contract,
            agent=world.users["agent"],
            service=world.services["personalausweis"],
            outcome="settled",
            started_at=dt.datetime.combine(month, dt.time(9), tzinfo=tz) + dt.timedelta(hours=i),
            duration_seconds=s,
        )
        for i, s in enumerate(seconds_list)
    )


def test_monthly_statement_csv_and_pdf(world, client):
    month = dt.date(2026, 10, 1)
    _calls(world, month, [61] * 300)  # 300 calls × 2 started minutes = 600 minutes, 100 over the 500 included
    _calls(world, dt.date(2026, 11, 1), [30])  # next month: not in October's statement
    client.force_login(world.users["manager"])
    csv_response = client.get(f"/api/callcenter/contracts/{world.contract.pk}/statements/2026-10.csv")
    assert csv_response.status_code == 200
    header, values = csv_response.content.decode().strip().splitlines()
    row = dict(zip(header.split(";"), values.split(";"), strict=True))
    assert row["anrufe"] == "300" and row["minuten"] == "600" and row["minuten_abrechenbar"] == "100"
    assert Decimal(row["gesamt"]) == Decimal("1000.00") + Decimal("121.00")
    pdf = client.get(f"/callcenter/abrechnung/{world.contract.pk}/2026-10.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.get(f"/api/callcenter/contracts/{world.contract.pk}/statements/Oktober.csv")
    assert bad.status_code == 400 and bad.json()["field"] == "month"


def test_numbers_first_contact_resolution_and_booked_share(world):
    agent = world.viewer("agent")
    for outcome in ["settled"] * 6 + ["booked"] * 2 + ["callback", "forwarded"]:
        services.log_call(
            viewer=agent,
            office=world.office,
            outcome=outcome,
            duration_seconds=60,
            service=world.services["personalausweis"],
        )
    today = timezone.localdate()
    n = selectors.numbers(world.viewer("manager"), world.contract, first=today, last=today, now=timezone.now())
    assert n["calls"] == 10
    assert n["first_contact_resolution"] == pytest.approx(0.8)
    assert n["booked_share"] == pytest.approx(0.2)
    assert n["topics"][0] == {"topic": "Personalausweis", "calls": 10, "seconds": 600}


def test_coverage_lists_most_asked_services_without_article(world):
    agent = world.viewer("agent")
    world.articles[("city", "wohnsitz-anmelden")].delete()
    for slug, n in (("wohnsitz-anmelden", 3), ("personalausweis", 2)):
        for _i in range(n):
            services.log_call(
                viewer=agent, office=world.office, outcome="settled", duration_seconds=60, service=world.services[slug]
            )
    rows = selectors.coverage(world.viewer("clerk"), since=timezone.localdate())
    assert [(r["service"].slug, r["calls"], r["has_article"]) for r in rows] == [
        ("wohnsitz-anmelden", 3, False),
        ("personalausweis", 2, True),
    ]


def test_an_ended_contract_ends_the_agents_access(world, client):
    world.contract.ends_on = timezone.localdate() - dt.timedelta(days=1)
    world.contract.save()
    agent = world.viewer("agent")
    assert selectors.search_articles(agent, "Personalausweis").articles == []
    with pytest.raises(Forbidden):
        services.log_call(
            viewer=agent,
            office=world.office,
            outcome="settled",
            duration_seconds=60,
            service=world.services["personalausweis"],
        )
    client.force_login(world.users["agent"])
    article = world.articles[("city", "personalausweis")]
    assert client.get(f"/api/callcenter/kb/articles/{article.pk}").status_code == 404
    # The municipality's managers still see the contract's numbers and statements.
    client.force_login(world.users["manager"])
    assert client.get(f"/api/callcenter/contracts/{world.contract.pk}/statements/2026-10.csv").status_code == 200


def test_contract_constraints_live_in_the_database(world):
    from django.db import IntegrityError, transaction

    from buergerbuero.callcenter.models import Contract

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            partner=world.partner,
            municipality=world.city,
            name="x",
            starts_on=dt.date(2026, 1, 2),
            ends_on=dt.date(2026, 1, 1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            partner=world.partner,
            municipality=world.city,
            name="x",
            starts_on=dt.date(2026, 1, 2),
            price_per_minute=Decimal("-1"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            contract=world.contract,
            office=world.office,
            reason="x",
            caller_name="x",
            sla_minutes=60,
            created_at=timezone.now(),
            created_by=world.users["agent"],
            due_at=timezone.now(),
        )  # neither phone nor e-mail


def test_the_generic_hold_endpoint_does_not_book_for_partners(world, client):
    """An agent could otherwise book at an office of a municipality without a contract (here: Herne)."""
    day = factories.next_weekday(1)
    client.force_login(world.users["agent"])
    free = client.get(f"/api/callcenter/availability?office=castrop&service=personalausweis&date={day}").json()
    for office in ("castrop", "herne"):
        response = client.post(
            "/api/holds",
            {"office": office, "services": ["personalausweis"], "start": free[0]["start"], "channel": "partner"},
            content_type="application/json",
        )
        assert response.status_code == 403, response.content
        assert response.json()["field"] == "channel"
        assert "/api/callcenter/appointments" in response.json()["messages"]["de"]
    assert not Appointment.objects.exists()


def test_annual_allowance_statement_through_the_api(world, client):
    """Contract year from March 2026, 30 included minutes a month, 1.00 €/minute, no flat fee:
    March 20 min (10 carried), April 35 of 40 (5 carried), May 50 of 35 → 15 €; March 2027 starts a new
    contract year: 40 of 30 → 10 € although February 2027 left minutes unused."""
    contract = world.contract
    contract.starts_on = dt.date(2026, 3, 10)
    contract.allowance_period = "year"
    contract.included_minutes, contract.price_per_minute, contract.monthly_flat_fee = 30, Decimal("1.00"), 0
    contract.save()
    for month, minutes in (((2026, 3), 20), ((2026, 4), 35), ((2026, 5), 50), ((2027, 2), 1), ((2027, 3), 40)):
        _calls(world, dt.date(*month, 1), [60] * minutes)
    client.force_login(world.users["manager"])

    def row(month):
        response = client.get(f"/api/callcenter/contracts/{contract.pk}/statements/{month}.csv")
        header, values = response.content.decode().strip().splitlines()
        return dict(zip(header.split(";"), values.split(";"), strict=True))

    may = row("2026-05")
    assert may["minuten"] == "50" and may["uebertrag_minuten"] == "5" and may["minuten_abrechenbar"] == "15"
    assert Decimal(may["gesamt"]) == Decimal("15.00")
    assert row("2026-04")["uebertrag_minuten"] == "10" and Decimal(row("2026-04")["gesamt"]) == 0
    march_2027 = row("2027-03")
    assert march_2027["uebertrag_minuten"] == "0" and Decimal(march_2027["gesamt"]) == Decimal("10.00")
    contract.allowance_period = "month"
    contract.save()
    assert Decimal(row("2026-05")["gesamt"]) == Decimal("20.00")  # monthly: 50 − 30
