"""Access matrix: every role × every endpoint and page of the call center.

Columns: anonymous, agent (partner with contract), other_agent (partner without contract), partner_lead
(manager of the partner), clerk / reception / manager of the contract municipality, clerk / manager of a
second municipality (whose data must stay invisible), admin (superuser). Objects of the other side answer
404 (they do not exist for you), missing abilities 403, anonymous 401 (API) or a login redirect (pages).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.callcenter import services
from buergerbuero.callcenter.models import Article
from tests import factories

ROLES = [
    "anonymous",
    "agent",
    "other_agent",
    "partner_lead",
    "clerk",
    "reception",
    "manager",
    "other_clerk",
    "other_manager",
    "admin",
]


def row(*codes):
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


LOGIN = 302  # pages send anonymous users to the login
#                   anon agent o_ag p_lead clerk recep mgr  o_clk o_mgr admin
CONTRACTS = row(401, 200, 200, 200, 403, 403, 200, 403, 200, 200)
KB_READ = row(401, 200, 200, 403, 200, 200, 200, 200, 200, 200)
KB_OBJECT = row(401, 200, 404, 403, 200, 200, 200, 404, 404, 200)
KB_WRITE = row(401, 403, 403, 403, 200, 403, 200, 200, 200, 200)
AGENT_ONLY_201 = row(401, 201, 403, 403, 403, 403, 403, 403, 403, 403)
AGENT_ONLY_200 = row(401, 200, 403, 403, 403, 403, 403, 403, 403, 403)
CALL_READ = row(401, 200, 200, 200, 403, 403, 200, 403, 200, 200)
TICKET_LIST = row(401, 200, 200, 200, 200, 403, 200, 200, 200, 200)
TICKET_OBJECT = row(401, 200, 404, 200, 200, 403, 200, 404, 404, 200)
TICKET_WORK = row(401, 403, 403, 403, 200, 403, 200, 404, 404, 200)
NUMBERS = row(401, 403, 403, 200, 403, 403, 200, 403, 404, 200)


@pytest.fixture
def setup(world):
    """Objects to point the endpoints at: an article, a ticket (fresh per role), a free partner time."""
    day = factories.next_weekday(0)
    now = timezone.now()
    agent = world.viewer("agent")
    query = services.partner_query(
        viewer=agent, office=world.office, service=world.services["personalausweis"], now=now
    )
    free = booking_live.free_times(query, day, day, now=now)[day]
    services.log_call(
        viewer=agent,
        office=world.office,
        outcome="settled",
        duration_seconds=120,
        service=world.services["personalausweis"],
    )

    def new_ticket():
        return services.create_ticket(
            viewer=agent,
            office=world.office,
            reason="Stand des Antrags",
            caller_name="Erika Muster",
            caller_phone="0234/123456",
        )

    return {
        "article": world.articles[("city", "personalausweis")],
        "new_ticket": new_ticket,
        "free": free,
        "day": day,
        "contract": world.contract,
    }


def csv_upload():
    body = "interval;offered;answered;abandoned;answered_within_30s;handle_time\n2026-10-05 08:00;10;9;1;7;200\n"
    return SimpleUploadedFile("intervals.csv", body.encode(), content_type="text/csv")


def article_body(world):
    return {
        "leika_key": "99008001000000",
        "title": "Personalausweis (neu)",
        "summary": "Neu.",
        "caller_script": "Neu.",
        "review_due": "2030-01-01",
        "municipality_id": world.city.pk,
    }


# name: (method, url(world, setup), payload(world, setup) or None, expected row, kind)
API = {
    "contracts": ("get", lambda w, s: "/api/callcenter/contracts", None, CONTRACTS),
    "kb_search": ("get", lambda w, s: "/api/callcenter/kb/search?q=Personalausweis", None, KB_READ),
    "kb_article": ("get", lambda w, s: f"/api/callcenter/kb/articles/{s['article'].pk}", None, KB_OBJECT),
    "kb_save": ("put", lambda w, s: "/api/callcenter/kb/articles", lambda w, s: article_body(w), KB_WRITE),
    "kb_coverage": ("get", lambda w, s: "/api/callcenter/kb/coverage", None, KB_READ),
    "call_create": (
        "post",
        lambda w, s: "/api/callcenter/calls",
        lambda w, s: {"office": "castrop", "outcome": "settled", "duration_seconds": 90, "service": "personalausweis"},
        AGENT_ONLY_201,
    ),
    "call_list": ("get", lambda w, s: "/api/callcenter/calls", None, CALL_READ),
    "ticket_create": (
        "post",
        lambda w, s: "/api/callcenter/callbacks",
        lambda w, s: {
            "office": "castrop",
            "reason": "Frage",
            "caller_name": "Max Muster",
            "caller_phone": "02305 1234",
        },
        AGENT_ONLY_201,
    ),
    "ticket_list": ("get", lambda w, s: "/api/callcenter/callbacks?status=all", None, TICKET_LIST),
    "ticket_get": ("get", lambda w, s: f"/api/callcenter/callbacks/{s['new_ticket']().pk}", None, TICKET_OBJECT),
    "ticket_wait": (
        "post",
        lambda w, s: f"/api/callcenter/callbacks/{s['new_ticket']().pk}/wait",
        lambda w, s: {"note": "x"},
        TICKET_WORK,
    ),
    "ticket_resume_after_wait": ("post", None, None, TICKET_WORK),
    "ticket_close": (
        "post",
        lambda w, s: f"/api/callcenter/callbacks/{s['new_ticket']().pk}/close",
        lambda w, s: {"note": "erledigt"},
        TICKET_WORK,
    ),
    "availability": (
        "get",
        lambda w, s: f"/api/callcenter/availability?office=castrop&service=personalausweis&date={s['day']}",
        None,
        AGENT_ONLY_200,
    ),
    "appointment": (
        "post",
        lambda w, s: "/api/callcenter/appointments",
        lambda w, s: {
            "office": "castrop",
            "service": "personalausweis",
            "start": s["free"][0].start.isoformat(),
            "name": "Erika Muster",
            "email": "erika@example.org",
        },
        AGENT_ONLY_201,
    ),
    "numbers": (
        "get",
        lambda w, s: f"/api/callcenter/contracts/{s['contract'].pk}/numbers?from=2026-01-01&to=2026-12-31",
        None,
        NUMBERS,
    ),
    "staffing": (
        "get",
        lambda w, s: f"/api/callcenter/contracts/{s['contract'].pk}/staffing?from=2026-01-01&to=2026-12-31",
        None,
        NUMBERS,
    ),
    "statement_csv": (
        "get",
        lambda w, s: f"/api/callcenter/contracts/{s['contract'].pk}/statements/2026-10.csv",
        None,
        NUMBERS,
    ),
    "statement_pdf": (
        "get",
        lambda w, s: f"/api/callcenter/contracts/{s['contract'].pk}/statements/2026-10.pdf",
        None,
        NUMBERS,
    ),
    "forecast": ("get", lambda w, s: f"/api/callcenter/contracts/{s['contract'].pk}/forecast", None, NUMBERS),
}
API.pop("ticket_resume_after_wait")


def _client(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("name", list(API))
def test_api_matrix(world, setup, client, name):
    method, url, payload, expected = API[name]
    got = {}
    for role in ROLES:
        client.logout()
        c = _client(client, world, role)
        kwargs = {"content_type": "application/json", "data": payload(world, setup)} if payload else {}
        response = getattr(c, method)(url(world, setup), **kwargs)
        got[role] = response.status_code
        assert response.status_code < 500
    assert got == expected


def test_api_import_matrix(world, setup, client):
    got = {}
    for role in ROLES:
        client.logout()
        c = _client(client, world, role)
        response = c.post(f"/api/callcenter/contracts/{setup['contract'].pk}/intervals", {"file": csv_upload()})
        got[role] = response.status_code
    assert got == NUMBERS


def test_api_resume_matrix(world, setup, client):
    got = {}
    for role in ROLES:
        ticket = setup["new_ticket"]()
        services.wait_for_citizen(viewer=world.viewer("clerk"), ticket_id=ticket.pk)
        client.logout()
        got[role] = _client(client, world, role).post(f"/api/callcenter/callbacks/{ticket.pk}/resume").status_code
    assert got == TICKET_WORK


def test_lists_show_nothing_of_the_other_side(world, setup, client):
    setup["new_ticket"]()
    expectations = {
        # role: (contracts, calls, tickets)
        "agent": (1, 1, 1),
        "other_agent": (0, 0, 0),
        "manager": (1, 1, None),
        "other_manager": (0, 0, 0),
        "other_clerk": (None, None, 0),
        "clerk": (None, None, 1),
    }
    for role, (n_contracts, n_calls, n_tickets) in expectations.items():
        client.logout()
        c = _client(client, world, role)
        if n_contracts is not None:
            assert len(c.get("/api/callcenter/contracts").json()) == n_contracts, role
        if n_calls is not None:
            assert len(c.get("/api/callcenter/calls").json()) == n_calls, role
        if n_tickets is not None:
            assert len(c.get("/api/callcenter/callbacks?status=all").json()) == n_tickets, role
    client.logout()
    hits = _client(client, world, "other_clerk").get("/api/callcenter/kb/search?q=Personalausweis").json()["results"]
    assert hits and all(h["municipality"] == "Stadt Herne" for h in hits)


def test_other_municipality_cannot_overwrite_our_article(world, client):
    client.force_login(world.users["other_clerk"])
    assert (
        client.put("/api/callcenter/kb/articles", article_body(world), content_type="application/json").status_code
        == 200
    )
    assert Article.objects.get(pk=world.articles[("city", "personalausweis")].pk).title == "Personalausweis beantragen"
    assert Article.objects.get(pk=world.articles[("other_city", "personalausweis")].pk).title == "Personalausweis (neu)"


# --- pages ---
#                    anon   agent o_ag p_lead clerk recep mgr  o_clk o_mgr admin
PAGE_KB = row(LOGIN, 200, 200, 403, 200, 200, 200, 200, 200, 200)
PAGE_AGENT_POST = row(LOGIN, 302, 403, 403, 403, 403, 403, 403, 403, 403)
PAGE_TICKETS = row(LOGIN, 200, 200, 200, 200, 403, 200, 200, 200, 200)
PAGE_TICKET = row(LOGIN, 200, 404, 200, 200, 403, 200, 404, 404, 200)
PAGE_TICKET_WORK = row(LOGIN, 403, 404, 403, 302, 403, 302, 404, 404, 302)
PAGE_NUMBERS = row(LOGIN, 403, 403, 200, 403, 403, 200, 403, 200, 200)
PAGE_NUMBERS_OBJECT = row(LOGIN, 403, 403, 302, 403, 403, 302, 403, 404, 302)
PAGE_STATEMENT = row(LOGIN, 403, 403, 200, 403, 403, 200, 403, 404, 200)

PAGES = {
    "workspace": ("get", lambda w, s: "/callcenter/?q=Personalausweis", None, PAGE_KB),
    "workspace_article": ("get", lambda w, s: f"/callcenter/?article={s['article'].pk}", None, PAGE_KB),
    "search": ("get", lambda w, s: "/callcenter/suche?q=Ausweis", None, PAGE_KB),
    "coverage": ("get", lambda w, s: "/callcenter/wissen/abdeckung/", None, PAGE_KB),
    "log_call": (
        "post",
        lambda w, s: "/callcenter/anrufe",
        lambda w, s: {"office": "castrop", "outcome": "settled", "duration": "3:20", "service": "personalausweis"},
        PAGE_AGENT_POST,
    ),
    "create_ticket": (
        "post",
        lambda w, s: "/callcenter/rueckrufe/neu",
        lambda w, s: {
            "office": "castrop",
            "reason": "Frage",
            "caller_name": "Max Muster",
            "caller_phone": "0234/123456",
        },
        PAGE_AGENT_POST,
    ),
    "book": (
        "post",
        lambda w, s: "/callcenter/termin",
        lambda w, s: {
            "office": "castrop",
            "article_id": s["article"].pk,
            "start": s["free"][0].start.isoformat(),
            "name": "Erika Muster",
            "email": "erika@example.org",
        },
        PAGE_AGENT_POST,
    ),
    "tickets": ("get", lambda w, s: "/callcenter/rueckrufe/?status=all", None, PAGE_TICKETS),
    "ticket": ("get", lambda w, s: f"/callcenter/rueckrufe/{s['new_ticket']().pk}/", None, PAGE_TICKET),
    "ticket_close": (
        "post",
        lambda w, s: f"/callcenter/rueckrufe/{s['new_ticket']().pk}/",
        lambda w, s: {"action": "close", "note": "erledigt"},
        PAGE_TICKET_WORK,
    ),
    "numbers": ("get", lambda w, s: "/callcenter/kennzahlen/", None, PAGE_NUMBERS),
    "numbers_contract": (
        "get",
        lambda w, s: f"/callcenter/kennzahlen/?contract={s['contract'].pk}",
        None,
        PAGE_STATEMENT,
    ),
    "statement_csv": (
        "get",
        lambda w, s: f"/callcenter/abrechnung/{s['contract'].pk}/2026-10.csv",
        None,
        PAGE_STATEMENT,
    ),
    "statement_pdf": (
        "get",
        lambda w, s: f"/callcenter/abrechnung/{s['contract'].pk}/2026-10.pdf",
        None,
        PAGE_STATEMENT,
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_matrix(world, setup, client, name):
    method, url, payload, expected = PAGES[name]
    got = {}
    for role in ROLES:
        client.logout()
        c = _client(client, world, role)
        response = getattr(c, method)(url(world, setup), payload(world, setup) if payload else None)
        got[role] = response.status_code
        if role == "anonymous":
            assert response["Location"].startswith("/intern/anmelden/")
    assert got == expected


def test_page_import_matrix(world, setup, client):
    got = {}
    for role in ROLES:
        client.logout()
        c = _client(client, world, role)
        response = c.post("/callcenter/kennzahlen/import", {"contract": setup["contract"].pk, "file": csv_upload()})
        got[role] = response.status_code
    assert got == PAGE_NUMBERS_OBJECT


def test_agent_page_shows_only_contract_municipality(world, setup, client):
    client.force_login(world.users["agent"])
    body = client.get("/callcenter/").content.decode()
    assert "castrop" in body and "herne" not in body
    client.force_login(world.users["other_clerk"])
    body = client.get("/callcenter/?q=Personalausweis").content.decode()
    assert "Stadt Herne" in body and "Stadt Castrop-Rauxel" not in body
