"""The access matrix: every page and every API operation × every kind of user → allowed or denied.

The endpoints come from the URL configuration and the OpenAPI document; an endpoint without a row in CASES
fails `test_every_endpoint_has_a_row`. Each row is one real request (through the whole HTTP stack, inside a
savepoint that is rolled back, so writes do not leak into the next request), and its expectation per actor:

  Y  allowed — the request reaches the tool: a 2xx, a redirect inside it, or a business answer (400, 409, ...)
  n  denied  — 401, 403, 404 (the object is outside the actor's scope: it does not exist for them) or the
               redirect to the login page
  PUBLIC     — nobody is refused for who they are: every actor, anonymous or not, gets the same answer

Actors (tests/factories.py ACTORS): home city Castrop (office castrop; north_clerk is limited to castrop-nord),
the same roles in another city Herne, and agent and lead of partner call centers with a live contract with
Castrop (Bochum), an ended one (Dortmund) or none (Essen). docs/roles-and-rights.md says the same in words.
"""

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from buergerbuero.api import api
from buergerbuero.background import services as background_services
from buergerbuero.background.models import Message
from tests import factories, responses

COLUMNS = [
    *("anon", "admin", "clerk", "recep", "mgr", "o_clerk", "o_recep", "o_mgr", "n_clerk"),
    *("a_live", "l_live", "a_end", "l_end", "a_none", "l_none"),
]
ACTOR_OF_COLUMN = dict(zip(COLUMNS, ["anonymous", "admin", *factories.ACTORS], strict=True))
PUBLIC = "PUBLIC"

# Shorthands for the rows that repeat. Columns:
#                   anon admin clerk recep mgr o_clerk o_recep o_mgr n_clerk a_live l_live a_end l_end a_none l_none
AT_OFFICE = "        n    Y     Y     Y     Y   n       n       n     n       n      n      n     n     n      n"
AT_NORTH = "         n    Y     Y     Y     Y   n       n       n     Y       n      n      n     n     n      n"
COUNTER = "          n    Y     Y     n     Y   n       n       n     n       n      n      n     n     n      n"
ANY_CLERK = "        n    Y     Y     n     Y   Y       n       Y     Y       n      n      n     n     n      n"
BACK_OFFICE = "    n    Y     Y     n     Y   n       n       n     n       n      n      n     n     n      n"
VISIT_OWNER = "    n    n     Y     n     n   n       n       n     n       n      n      n     n     n      n"
LEAD_AT_OFFICE = "   n    Y     n     n     Y   n       n       n     n       n      n      n     n     n      n"
ANY_LEAD = "         n    Y     n     n     Y   n       n       Y     n       n      n      n     n     n      n"
LIVE_AGENT = "       n    n     n     n     n   n       n       n     n       Y      n      n     n     n      n"
NOBODY = "           n    n     n     n     n   n       n       n     n       n      n      n     n     n      n"
KB_READ = "          n    Y     Y     Y     Y   Y       Y       Y     Y       Y      n      Y     n     Y      n"
KB_ARTICLE = "       n    Y     Y     Y     Y   n       n       n     Y       Y      n      n     n     n      n"
KB_WRITE = "         n    Y     Y     n     Y   Y       n       Y     Y       n      n      n     n     n      n"
CONTRACTS = "        n    Y     n     n     Y   n       n       Y     n       Y      Y      Y     Y     Y      Y"
CALL_LIST = "        n    Y     n     n     Y   n       n       Y     n       Y      Y      Y     Y     Y      Y"
TICKET_LIST = "      n    Y     Y     n     Y   Y       n       Y     Y       Y      Y      Y     Y     Y      Y"
TICKET_LIVE = "      n    Y     Y     n     Y   n       n       n     n       Y      Y      n     n     n      n"
TICKET_ENDED = "     n    Y     Y     n     Y   n       n       n     n       n      n      n     n     n      n"
TICKET_WORK = "      n    Y     Y     n     Y   n       n       n     n       n      n      n     n     n      n"
NUMBERS_PAGE = "     n    Y     n     n     Y   n       n       Y     n       n      Y      n     Y     n      Y"
NUMBERS_LIVE = "     n    Y     n     n     Y   n       n       n     n       n      Y      n     n     n      n"
NUMBERS_ENDED = "    n    Y     n     n     Y   n       n       n     n       n      n      n     Y     n      n"
# The staff front door: every signed-in person has a start page (with the tiles of their own tools).
SIGNED_IN = "        n    Y     Y     Y     Y   Y       Y       Y     Y       Y      Y      Y     Y     Y      Y"
ANYONE = "           Y    Y     Y     Y     Y   Y       Y       Y     Y       Y      Y      Y     Y     Y      Y"
# The operations page: a municipality's administration role (none of the demo actors holds it) and superusers.
OPERATIONS = "       n    Y     n     n     n   n       n       n     n       n      n      n     n     n      n"

IN_A_WEEK = (dt.date.today() + dt.timedelta(days=7)).isoformat()
ID_CARD_ARTICLE = {
    "leika_key": "99008001000000",
    "title": "Personalausweis",
    "summary": "Persönlich beantragen.",
    "caller_script": "Bitte einen Termin buchen.",
    "review_due": IN_A_WEEK,
}
CALLER = {"name": "Erika Muster", "email": "erika@example.org", "phone": "0234 123456"}
NOT_A_UUID_THAT_EXISTS = "00000000-0000-4000-8000-000000000000"

# key (page route name or "METHOD /api/path"), method, path, body (JSON for the API, form data for pages), expectation
CASES = [
    # --- citizen pages and public API: nobody is refused for who they are ---
    ("booking:start", "GET", "/", None, PUBLIC),
    ("booking:times", "GET", "/termine/{office}/", None, PUBLIC),
    ("booking:hold", "GET", "/termine/{office}/reservieren/", None, PUBLIC),
    ("booking:contact", "GET", f"/reservierung/{NOT_A_UUID_THAT_EXISTS}/", None, PUBLIC),
    ("booking:sent", "GET", f"/reservierung/{NOT_A_UUID_THAT_EXISTS}/e-mail-gesendet/", None, PUBLIC),
    ("booking:opt_in", "GET", "/bestaetigen/nope/", None, PUBLIC),
    ("booking:resend_links", "GET", "/meine-buchung/", None, PUBLIC),
    ("booking:manage", "GET", "/meine-buchung/nope/", None, PUBLIC),
    ("booking:ics", "GET", "/meine-buchung/nope/termin.ics", None, PUBLIC),
    ("booking:cancel", "GET", "/meine-buchung/nope/absagen/", None, PUBLIC),
    ("booking:reschedule", "GET", "/meine-buchung/nope/verschieben/", None, PUBLIC),
    ("booking:legal", "GET", "/info/impressum/", None, PUBLIC),
    ("waitlist:register", "GET", "/warteliste/", None, PUBLIC),
    ("waitlist:offer", "GET", f"/warteliste/angebot/{NOT_A_UUID_THAT_EXISTS}/", None, PUBLIC),
    ("set_language", "GET", "/i18n/setlang/", None, PUBLIC),
    ("core:healthz", "GET", "/healthz", None, PUBLIC),
    ("core:readyz", "GET", "/readyz", None, PUBLIC),
    # Without METRICS_TOKEN only loopback without proxy headers is answered; the test client is loopback.
    ("core:metrics", "GET", "/metrics", None, PUBLIC),
    ("queue:kiosk", "GET", "/queue/{office}/kiosk/", None, PUBLIC),
    ("queue:display", "GET", "/queue/{office}/display/", None, PUBLIC),
    ("queue:display_events", "GET", "/queue/{office}/display/events", None, PUBLIC),
    ("queue:ticket", "GET", f"/queue/ticket/{NOT_A_UUID_THAT_EXISTS}/", None, PUBLIC),
    ("applications:index", "GET", "/online/", None, PUBLIC),
    ("applications:identity_start", "GET", "/online/anmelden/nope/", None, PUBLIC),
    ("applications:identity_acs", "GET", "/online/anmelden/nope/acs", None, PUBLIC),
    ("applications:identity_done", "GET", f"/online/anmelden/nope/fertig/{NOT_A_UUID_THAT_EXISTS}", None, PUBLIC),
    ("applications:identity_metadata", "GET", "/online/anmelden/nope/metadata", None, PUBLIC),
    ("applications:identity_logout", "GET", "/online/abmelden", None, PUBLIC),
    ("applications:service", "GET", "/online/dienst/nope/", None, PUBLIC),
    ("applications:form", "GET", f"/online/antrag/{NOT_A_UUID_THAT_EXISTS}/", None, PUBLIC),
    ("applications:appointment", "GET", f"/online/antrag/{NOT_A_UUID_THAT_EXISTS}/termin", None, PUBLIC),
    ("applications:status", "GET", f"/online/antrag/{NOT_A_UUID_THAT_EXISTS}/status", None, PUBLIC),
    ("applications:document", "GET", f"/online/antrag/{NOT_A_UUID_THAT_EXISTS}/dokument", None, PUBLIC),
    ("applications:signing_ca", "GET", "/online/zertifikat.pem", None, PUBLIC),
    ("applications:photo_check", "GET", "/online/fotopruefung", None, PUBLIC),
    ("applications:pay", "POST", f"/online/antrag/{NOT_A_UUID_THAT_EXISTS}/bezahlen", {}, PUBLIC),
    # The payment platform's signed notification: the signature decides, not who sends it.
    ("applications:payment_notify", "POST", "/online/zahlung/nope/rueckmeldung", {}, PUBLIC),
    ("applications:staff_treasury_csv", "GET", "/online/verwaltung/kasse.csv", None, ANY_CLERK),
    ("background:index", "GET", "/betrieb/", None, OPERATIONS),
    ("background:resend", "POST", "/betrieb/nachrichten/{message}/erneut-senden/", {}, OPERATIONS),
    # The audit log: the data-protection officer (role dpo) or administration of a municipality; of the
    # actors here only the superuser (tests/privacy/test_officer.py covers the dpo and admin roles).
    ("privacy:audit_log", "GET", "/datenschutz/protokoll/?citizen=erika@example.org", None, OPERATIONS),
    ("privacy:audit_csv", "GET", "/datenschutz/protokoll.csv?staff=clerk", None, OPERATIONS),
    ("api:openapi-json", "GET", "/api/openapi.json", None, PUBLIC),
    ("api:openapi-view", "GET", "/api/docs", None, PUBLIC),
    ("GET /api/offices", "GET", "/api/offices", None, PUBLIC),
    ("GET /api/offices/{slug}", "GET", "/api/offices/{office}", None, PUBLIC),
    ("GET /api/services", "GET", "/api/services", None, PUBLIC),
    (
        "GET /api/availability/days",
        "GET",
        "/api/availability/days?office={office}&services=personalausweis&from={day}&to={day}",
        None,
        PUBLIC,
    ),
    (
        "GET /api/availability/times",
        "GET",
        "/api/availability/times?office={office}&services=personalausweis&date={day}",
        None,
        PUBLIC,
    ),
    ("GET /api/availability/earliest", "GET", "/api/availability/earliest?services=personalausweis", None, PUBLIC),
    (
        "POST /api/holds/{hold_id}/confirm",
        "POST",
        f"/api/holds/{NOT_A_UUID_THAT_EXISTS}/confirm",
        {"token": "nope", **CALLER},
        PUBLIC,
    ),
    ("GET /api/appointments/{code}", "GET", "/api/appointments/ABCD2345", None, PUBLIC),
    ("POST /api/appointments/{code}/cancel", "POST", "/api/appointments/ABCD2345/cancel", None, PUBLIC),
    (
        "POST /api/appointments/{code}/reschedule",
        "POST",
        "/api/appointments/ABCD2345/reschedule",
        {"start": "{day}T09:00:00"},
        PUBLIC,
    ),
    ("GET /api/antibot/challenge", "GET", "/api/antibot/challenge", None, PUBLIC),
    ("GET /api/open/availability", "GET", "/api/open/availability", None, PUBLIC),
    ("GET /api/open/lead-times", "GET", "/api/open/lead-times", None, PUBLIC),
    ("POST /api/waitlist", "POST", "/api/waitlist", {}, PUBLIC),
    (
        "POST /api/waitlist/{entry_id}/withdraw",
        "POST",
        f"/api/waitlist/{NOT_A_UUID_THAT_EXISTS}/withdraw",
        {"token": "nope"},
        PUBLIC,
    ),
    (
        "POST /api/waitlist/offers/{offer_id}/accept",
        "POST",
        f"/api/waitlist/offers/{NOT_A_UUID_THAT_EXISTS}/accept",
        {"token": "nope"},
        PUBLIC,
    ),
    (
        "POST /api/waitlist/offers/{offer_id}/decline",
        "POST",
        f"/api/waitlist/offers/{NOT_A_UUID_THAT_EXISTS}/decline",
        {"token": "nope"},
        PUBLIC,
    ),
    ("GET /api/queue/offices/{slug}/display", "GET", "/api/queue/offices/{office}/display", None, PUBLIC),
    ("GET /api/queue/tickets/{public_id}", "GET", f"/api/queue/tickets/{NOT_A_UUID_THAT_EXISTS}", None, PUBLIC),
    ("GET /api/applications/fees/id-card", "GET", "/api/applications/fees/id-card?age=30", None, PUBLIC),
    ("GET /api/applications/{public_id}", "GET", f"/api/applications/{NOT_A_UUID_THAT_EXISTS}", None, PUBLIC),
    # --- booking through the staff and partner channels (issue 13, section 2) ---
    (
        "GET /api/availability/days",
        "GET",
        "/api/availability/days?office={office}&services=personalausweis&from={day}&to={day}&channel=counter",
        None,
        AT_OFFICE,
    ),
    (
        "GET /api/availability/days",
        "GET",
        "/api/availability/days?office={north}&services=personalausweis&from={day}&to={day}&channel=counter",
        None,
        AT_NORTH,
    ),
    (
        "GET /api/availability/days",
        "GET",
        "/api/availability/days?office={office}&services=personalausweis&from={day}&to={day}&channel=partner",
        None,
        LIVE_AGENT,
    ),
    (
        "GET /api/availability/days",
        "GET",
        "/api/availability/days?office={office}&services=waffenschein&from={day}&to={day}&channel=partner",
        None,
        NOBODY,
    ),
    (
        "GET /api/availability/times",
        "GET",
        "/api/availability/times?office={office}&services=personalausweis&date={day}&channel=phone",
        None,
        AT_OFFICE,
    ),
    (
        "GET /api/availability/times",
        "GET",
        "/api/availability/times?office={office}&services=personalausweis&date={day}&channel=partner",
        None,
        LIVE_AGENT,
    ),
    (
        "GET /api/availability/earliest",
        "GET",
        "/api/availability/earliest?services=personalausweis&offices={office}&channel=counter",
        None,
        AT_OFFICE,
    ),
    (
        "GET /api/availability/earliest",
        "GET",
        "/api/availability/earliest?services=personalausweis&offices={office}&channel=partner",
        None,
        LIVE_AGENT,
    ),
    (
        "POST /api/holds",
        "POST",
        "/api/holds",
        {"office": "{office}", "services": ["personalausweis"], "start": "{day}T09:00:00", "channel": "counter"},
        AT_OFFICE,
    ),
    (
        "POST /api/holds",
        "POST",
        "/api/holds",
        {"office": "{office}", "services": ["personalausweis"], "start": "{day}T09:00:00", "channel": "partner"},
        NOBODY,
    ),
    (
        "GET /api/callcenter/availability",
        "GET",
        "/api/callcenter/availability?office={office}&service=personalausweis&date={day}",
        None,
        LIVE_AGENT,
    ),
    (
        "GET /api/callcenter/availability",
        "GET",
        "/api/callcenter/availability?office={office}&service=waffenschein&date={day}",
        None,
        NOBODY,
    ),
    (
        "POST /api/callcenter/appointments",
        "POST",
        "/api/callcenter/appointments",
        {"office": "{office}", "service": "personalausweis", "start": "{day}T09:00:00", **CALLER},
        LIVE_AGENT,
    ),
    # --- day lists and the office floor ---
    ("GET /api/staff/offices/{slug}/day", "GET", "/api/staff/offices/{office}/day?date={day}", None, AT_OFFICE),
    ("GET /api/staff/offices/{slug}/waitlist", "GET", "/api/staff/offices/{office}/waitlist", None, AT_OFFICE),
    ("queue:reception", "GET", "/queue/{office}/reception/", None, AT_OFFICE),
    ("queue:workstation", "GET", "/queue/{office}/counter/", None, COUNTER),
    (
        "POST /api/queue/offices/{slug}/check-in",
        "POST",
        "/api/queue/offices/{office}/check-in",
        {"code": "x"},
        AT_OFFICE,
    ),
    (
        "POST /api/queue/offices/{slug}/tickets",
        "POST",
        "/api/queue/offices/{office}/tickets",
        {"service": "personalausweis"},
        AT_OFFICE,
    ),
    ("GET /api/queue/offices/{slug}/walk-in", "GET", "/api/queue/offices/{office}/walk-in", None, AT_OFFICE),
    ("GET /api/queue/offices/{slug}/waiting", "GET", "/api/queue/offices/{office}/waiting", None, AT_OFFICE),
    ("POST /api/queue/session", "POST", "/api/queue/session", {"office": "{office}", "counter": 1}, COUNTER),
    ("DELETE /api/queue/session", "DELETE", "/api/queue/session", None, ANY_CLERK),
    ("POST /api/queue/next", "POST", "/api/queue/next", None, ANY_CLERK),
    ("POST /api/queue/visits/{visit_id}/call", "POST", "/api/queue/visits/{visit}/call", None, COUNTER),
    ("POST /api/queue/visits/{visit_id}/recall", "POST", "/api/queue/visits/{called_visit}/recall", None, VISIT_OWNER),
    ("POST /api/queue/visits/{visit_id}/start", "POST", "/api/queue/visits/{called_visit}/start", None, VISIT_OWNER),
    ("POST /api/queue/visits/{visit_id}/park", "POST", "/api/queue/visits/{called_visit}/park", None, VISIT_OWNER),
    ("POST /api/queue/visits/{visit_id}/resume", "POST", "/api/queue/visits/{called_visit}/resume", None, VISIT_OWNER),
    (
        "POST /api/queue/visits/{visit_id}/no-show",
        "POST",
        "/api/queue/visits/{called_visit}/no-show",
        None,
        VISIT_OWNER,
    ),
    (
        "POST /api/queue/visits/{visit_id}/finish",
        "POST",
        "/api/queue/visits/{called_visit}/finish",
        {"services": ["personalausweis"]},
        VISIT_OWNER,
    ),
    (
        "POST /api/queue/visits/{visit_id}/transfer",
        "POST",
        "/api/queue/visits/{called_visit}/transfer",
        {"counter": 2},
        VISIT_OWNER,
    ),
    # --- online applications' back office (section 5) ---
    ("applications:staff_list", "GET", "/online/verwaltung/", None, ANY_CLERK),
    ("applications:staff_by_appointment", "GET", "/online/verwaltung/termin/{code}", None, BACK_OFFICE),
    ("applications:staff_detail", "GET", "/online/verwaltung/{reference}/", None, BACK_OFFICE),
    ("applications:staff_detail", "POST", "/online/verwaltung/{reference}/", {"action": "review"}, BACK_OFFICE),
    ("applications:staff_attachment", "GET", "/online/verwaltung/{reference}/datei/{attachment}", None, BACK_OFFICE),
    # --- the partner call center (sections 2 and 4) ---
    ("callcenter:workspace", "GET", "/callcenter/", None, KB_READ),
    ("callcenter:search", "GET", "/callcenter/suche?q=Ausweis", None, KB_READ),
    ("callcenter:coverage", "GET", "/callcenter/wissen/abdeckung/", None, KB_READ),
    (
        "callcenter:log_call",
        "POST",
        "/callcenter/anrufe",
        {"office": "{office}", "outcome": "settled", "duration": "2:00", "service": "personalausweis"},
        LIVE_AGENT,
    ),
    (
        "callcenter:create_ticket",
        "POST",
        "/callcenter/rueckrufe/neu",
        {"office": "{office}", "reason": "Rückruf", "caller_name": "Erika Muster", "caller_phone": "0234 123456"},
        LIVE_AGENT,
    ),
    (
        "callcenter:book",
        "POST",
        "/callcenter/termin",
        {"office": "{office}", "article_id": "{article}", "start": "{day}T09:00:00", **CALLER},
        LIVE_AGENT,
    ),
    ("callcenter:tickets", "GET", "/callcenter/rueckrufe/", None, TICKET_LIST),
    ("callcenter:ticket", "GET", "/callcenter/rueckrufe/{ticket_live}/", None, TICKET_LIVE),
    ("callcenter:ticket", "GET", "/callcenter/rueckrufe/{ticket_ended}/", None, TICKET_ENDED),
    ("callcenter:ticket", "POST", "/callcenter/rueckrufe/{ticket_live}/", {"action": "wait"}, TICKET_WORK),
    ("callcenter:numbers", "GET", "/callcenter/kennzahlen/", None, NUMBERS_PAGE),
    ("callcenter:import_intervals", "POST", "/callcenter/kennzahlen/import", {"contract": "{live}"}, NUMBERS_LIVE),
    ("callcenter:statement", "GET", "/callcenter/abrechnung/{live}/{month}.csv", None, NUMBERS_LIVE),
    ("callcenter:statement", "GET", "/callcenter/abrechnung/{ended}/{month}.csv", None, NUMBERS_ENDED),
    ("GET /api/callcenter/contracts", "GET", "/api/callcenter/contracts", None, CONTRACTS),
    ("GET /api/callcenter/kb/search", "GET", "/api/callcenter/kb/search?q=Ausweis", None, KB_READ),
    ("GET /api/callcenter/kb/articles/{article_id}", "GET", "/api/callcenter/kb/articles/{article}", None, KB_ARTICLE),
    ("PUT /api/callcenter/kb/articles", "PUT", "/api/callcenter/kb/articles", ID_CARD_ARTICLE, KB_WRITE),
    ("GET /api/callcenter/kb/coverage", "GET", "/api/callcenter/kb/coverage", None, KB_READ),
    (
        "POST /api/callcenter/calls",
        "POST",
        "/api/callcenter/calls",
        {"office": "{office}", "outcome": "settled", "duration_seconds": 90, "service": "personalausweis"},
        LIVE_AGENT,
    ),
    ("GET /api/callcenter/calls", "GET", "/api/callcenter/calls", None, CALL_LIST),
    (
        "POST /api/callcenter/callbacks",
        "POST",
        "/api/callcenter/callbacks",
        {"office": "{office}", "reason": "Rückruf", "caller_name": "Erika Muster", "caller_phone": "0234 123456"},
        LIVE_AGENT,
    ),
    ("GET /api/callcenter/callbacks", "GET", "/api/callcenter/callbacks?status=all", None, TICKET_LIST),
    ("GET /api/callcenter/callbacks/{ticket_id}", "GET", "/api/callcenter/callbacks/{ticket_live}", None, TICKET_LIVE),
    (
        "GET /api/callcenter/callbacks/{ticket_id}",
        "GET",
        "/api/callcenter/callbacks/{ticket_ended}",
        None,
        TICKET_ENDED,
    ),
    (
        "POST /api/callcenter/callbacks/{ticket_id}/wait",
        "POST",
        "/api/callcenter/callbacks/{ticket_live}/wait",
        {"note": ""},
        TICKET_WORK,
    ),
    (
        "POST /api/callcenter/callbacks/{ticket_id}/resume",
        "POST",
        "/api/callcenter/callbacks/{ticket_live}/resume",
        None,
        TICKET_WORK,
    ),
    (
        "POST /api/callcenter/callbacks/{ticket_id}/close",
        "POST",
        "/api/callcenter/callbacks/{ticket_live}/close",
        {"note": "erledigt"},
        TICKET_WORK,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/numbers",
        "GET",
        "/api/callcenter/contracts/{live}/numbers?from={today}&to={today}",
        None,
        NUMBERS_LIVE,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/numbers",
        "GET",
        "/api/callcenter/contracts/{ended}/numbers?from={today}&to={today}",
        None,
        NUMBERS_ENDED,
    ),
    (
        "POST /api/callcenter/contracts/{contract_id}/intervals",
        "POST",
        "/api/callcenter/contracts/{live}/intervals",
        "CSV",
        NUMBERS_LIVE,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/staffing",
        "GET",
        "/api/callcenter/contracts/{live}/staffing?from={today}&to={today}",
        None,
        NUMBERS_LIVE,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/staffing/estimate",
        "GET",
        "/api/callcenter/contracts/{live}/staffing/estimate?calls=100&handle_seconds=180",
        None,
        NUMBERS_LIVE,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/statements/{month}.csv",
        "GET",
        "/api/callcenter/contracts/{live}/statements/{month}.csv",
        None,
        NUMBERS_LIVE,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/statements/{month}.pdf",
        "GET",
        "/api/callcenter/contracts/{ended}/statements/{month}.pdf",
        None,
        NUMBERS_ENDED,
    ),
    (
        "GET /api/callcenter/contracts/{contract_id}/forecast",
        "GET",
        "/api/callcenter/contracts/{ended}/forecast",
        None,
        NUMBERS_ENDED,
    ),
    # --- leadership: key figures and the planner ---
    ("insights:index", "GET", "/insights/", None, ANY_LEAD),
    ("insights:dashboard", "GET", "/insights/{office}/", None, LEAD_AT_OFFICE),
    ("insights:report", "GET", "/insights/{office}/bericht/", None, LEAD_AT_OFFICE),
    ("insights:report_pdf", "GET", "/insights/{office}/bericht.pdf", None, LEAD_AT_OFFICE),
    ("insights:export", "GET", "/insights/{office}/export/lead_time.csv", None, LEAD_AT_OFFICE),
    ("planning:index", "GET", "/planung/", None, ANY_LEAD),
    ("planning:compare", "GET", "/planung/vergleich/", None, ANY_LEAD),
    ("planning:scenario", "GET", "/planung/szenarien/{scenario}/", None, LEAD_AT_OFFICE),
    ("planning:rerun", "POST", "/planung/szenarien/{scenario}/starten", {}, LEAD_AT_OFFICE),
    ("planning:run", "GET", "/planung/laeufe/{run}/", None, LEAD_AT_OFFICE),
    # --- the staff front door (issue 16): sign-in (anonymous: the form; signed in: on to the start page) ---
    ("accounts:login", "GET", "/intern/anmelden/", None, ANYONE),
    ("accounts:verify", "GET", "/intern/anmelden/code/", None, SIGNED_IN),
    ("accounts:enrol", "GET", "/intern/anmelden/einrichten/", None, SIGNED_IN),
    # Single sign-on through the city's identity provider: off here, so the same 404 for everybody
    # (tests/accounts/test_staff_sso.py signs in through it).
    ("accounts:sso_start", "GET", "/intern/anmelden/dienstkonto/", None, PUBLIC),
    ("accounts:sso_callback", "GET", "/intern/anmelden/dienstkonto/zurueck/", None, PUBLIC),
    ("accounts:sso_backchannel_logout", "POST", "/intern/anmelden/dienstkonto/abgemeldet/", {}, PUBLIC),
    ("accounts:start", "GET", "/intern/", None, SIGNED_IN),
    # Security keys: the sign-in ceremony only while a sign-in waits for its second factor (nobody here);
    # each person's own page of second factors, keys and recovery codes.
    ("accounts:key_sign_in_options", "POST", "/intern/anmelden/schluessel/optionen/", {}, NOBODY),
    ("accounts:key_sign_in", "POST", "/intern/anmelden/schluessel/", {}, NOBODY),
    ("accounts:security", "GET", "/intern/sicherheit/", None, SIGNED_IN),
    ("accounts:add_app", "GET", "/intern/sicherheit/app/", None, SIGNED_IN),
    ("accounts:key_register_options", "POST", "/intern/sicherheit/schluessel/optionen/", {}, SIGNED_IN),
    ("accounts:key_register", "POST", "/intern/sicherheit/schluessel/", {}, SIGNED_IN),
    ("accounts:key_remove", "POST", "/intern/sicherheit/schluessel/0/entfernen/", {}, NOBODY),
    ("accounts:recovery_codes", "POST", "/intern/sicherheit/wiederherstellungscodes/", {}, SIGNED_IN),
]

# Routes outside the matrix, and why.
NOT_IN_MATRIX = {
    "admin_login": "the admin's login redirects everybody to the staff sign-in; tests/accounts/test_sign_in.py",
    "accounts:logout": "sign-out (POST): everybody may end their own session; tests/accounts/test_sign_in.py",
    "api:api-root": "the API's index (the same for everybody; its operations are rows above)",
}


def expectation(code: str) -> dict[str, str] | str:
    if code == PUBLIC:
        return PUBLIC
    marks = code.split()
    assert len(marks) == len(COLUMNS) and set(marks) <= {"Y", "n"}, code
    return dict(zip(COLUMNS, marks, strict=True))


def page_routes() -> set[str]:
    """Named routes of the URL configuration, without the Django admin (guarded by Django's model permissions,
    which only superusers hold) and without the API's operations (they come from the OpenAPI document)."""
    operation_routes = {re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/")) for path in api_paths()}

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = re.sub(r"<\w+:(\w+)>", r"<\1>", prefix + str(pattern.pattern))
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route

    return {
        name
        for name, route in walk(get_resolver().url_patterns)
        if not name.startswith("admin:") and route not in operation_routes
    }


def api_paths() -> dict:
    return api.get_openapi_schema()["paths"]


def operations() -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in api_paths().items() for method in ops}


def test_every_endpoint_has_a_row():
    """A new page or API operation must be added to CASES with who may use it (or to NOT_IN_MATRIX, with why)."""
    endpoints = page_routes() | operations()
    covered = {key for key, *_rest in CASES} | set(NOT_IN_MATRIX)
    assert sorted(endpoints - covered) == [], "endpoints without a row in the access matrix"
    assert sorted(covered - endpoints) == [], "rows for endpoints that do not exist (any more)"


def _fill(value, ids: dict):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _request(client: Client, method: str, path: str, body):
    if body == "CSV":
        upload = SimpleUploadedFile("intervals.csv", b"interval;offered\n", content_type="text/csv")
        return client.post(path, {"file": upload})
    if path.startswith("/api/"):
        data = "" if body is None else body
        return client.generic(method, path, data=json.dumps(data), content_type="application/json")
    return client.generic(method, path) if body is None else client.post(path, body)


def _verdict(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"5xx ({status})"
    if status in (401, 403, 404):
        return "n"
    if status in (301, 302, 303) and response.get("Location", "").startswith(settings.LOGIN_URL):
        return "n"
    return "Y"


def _failed_message(office):
    with transaction.atomic():
        background_services.send_later(
            kind="applications.notice",
            key="matrix:1",
            payload={"subject": "s", "body": "b", "to": "erika@example.org"},
            recipient="erika@example.org",
            office_id=office.pk,
        )
    message = Message.objects.get(key="matrix:1")
    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED, finished_at=timezone.now())
    return message


@pytest.fixture
def matrix_world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.QUEUE_SSE_MAX_SECONDS = 0
    # /readyz also waits for a worker and the scheduler, which no test runs here; who may ask is the same.
    settings.READINESS_CHECKS = ["buergerbuero.core.health.database", "buergerbuero.core.health.cache"]
    # Anonymous requests count against per-address rate limits; this table is about rights, not limits.
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "100000/60")
    now = timezone.now()
    world = factories.access_world(now=now)
    today = timezone.localdate(now)
    ids = {
        "office": world.office.slug,
        "north": world.north_office.slug,
        "day": factories.next_weekday(1, after=today).isoformat(),
        "today": today.isoformat(),
        "month": (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"),
        "visit": world.objects["visit"].pk,
        "called_visit": world.objects["called_visit"].pk,
        "code": world.objects["application"].appointment_code,
        "reference": world.objects["application"].reference,
        "attachment": world.objects["attachment"].pk,
        "article": world.objects["article"].pk,
        "ticket_live": world.objects["ticket_live"].pk,
        "ticket_ended": world.objects["ticket_ended"].pk,
        "live": world.live_contract.pk,
        "ended": world.ended_contract.pk,
        "scenario": world.objects["scenario"].pk,
        "run": world.objects["run"].pk,
        "message": _failed_message(world.office).pk,
    }
    # A 500 must show up as a wrong cell of the table, not stop the test at the first one.
    clients = {"anonymous": Client(raise_request_exception=False)}
    for actor, user in world.users.items():
        clients[actor] = Client(raise_request_exception=False)
        clients[actor].force_login(user)
    return ids, clients


def test_access_matrix(matrix_world):
    ids, clients = matrix_world
    wrong = []
    for key, method, path, body, code in CASES:
        expected = expectation(code)
        url, data = _fill(path, ids), _fill(body, ids)
        answers = {}
        for column in COLUMNS:
            actor = ACTOR_OF_COLUMN[column]
            with transaction.atomic():
                response = _request(clients[actor], method, url, data)
                transaction.set_rollback(True)
            responses.close(response)  # a finished event stream gives back its slot (per-address stream cap)
            answers[column] = response
        if expected == PUBLIC:
            statuses = {column: r.status_code for column, r in answers.items()}
            if len(set(statuses.values())) != 1 or max(statuses.values()) >= 500:
                wrong.append(f"{key} {method} {url}: public, but {statuses}")
            continue
        for column, response in answers.items():
            got = _verdict(response)
            if got != expected[column]:
                wrong.append(
                    f"{key} {method} {url}: {column} expected {expected[column]}, got {got} ({response.status_code})"
                )
    assert wrong == [], "\n".join(wrong)


def test_every_tile_of_every_actor_opens(matrix_world):
    """The start page's tiles (accounts.tiles) ask the same rules as the tools: no tile leads to a refusal."""
    from django.contrib.auth import get_user_model

    from buergerbuero.accounts import tiles

    _ids, clients = matrix_world
    wrong = []
    for actor, client in clients.items():
        if actor == "anonymous":
            continue
        user = get_user_model().objects.get(username=actor)
        links = tiles.links_for(user)
        start = client.get("/intern/").content.decode()
        for link in links:
            assert f'href="{link.url}"' in start, (actor, link.url)
            with transaction.atomic():
                response = client.get(link.url)
                transaction.set_rollback(True)
            responses.close(response)
            if _verdict(response) != "Y":
                wrong.append(f"{actor}: tile {link.key} {link.url} answered {response.status_code}")
    assert wrong == []
