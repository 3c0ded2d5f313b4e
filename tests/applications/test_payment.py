"""Paying the Meldebescheinigung online against the local payment platform (a real HTTP service speaking the
XBezahldienste-style protocol): a browser pays, fails and cancels; forged, replayed and wrong-amount
notifications change nothing; the back office and the treasury CSV show receipt and reference."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from buergerbuero.applications import services
from buergerbuero.applications.identity.base import Identity, TrustLevel
from buergerbuero.applications.local_servers import serve
from buergerbuero.applications.models import Application, Payment, PaymentAccount, Status
from buergerbuero.applications.payment.contrib.local_pay import LocalPaymentPlatform
from buergerbuero.applications.payment.contrib.xbezahldienste import sign

SECRET = "test-geheim"
ERIKA = Identity(
    provider="bundid",
    subject="bpk2-test-erika",
    trust_level=TrustLevel.HIGH,
    given_name="Erika",
    family_name="Mustermann",
    street="Europaplatz 5",
    postcode="44575",
    city="Castrop-Rauxel",
    email="erika@example.org",
)


@pytest.fixture
def platform(online):
    app = LocalPaymentPlatform(base_url="http://127.0.0.1:0", merchant_id="stadt-test", secret=SECRET)
    httpd = serve(app)
    app.base_url = f"http://127.0.0.1:{httpd.server_port}"
    PaymentAccount.objects.create(
        organisation=online["office"].organisation, endpoint=app.base_url, merchant_id="stadt-test", secret=SECRET
    )
    online["certificate"].payment_policy = "mandatory"
    online["certificate"].save()
    yield app
    httpd.shutdown()


def submitted_certificate(online):
    application, token = services.start_application(
        service=online["certificate"], office=online["office"], identity=ERIKA
    )
    services.save_draft(application=application, raw={"kind": "simple", "email": "erika@example.org", "consent": "on"})
    return services.submit(application=application), token


def notify(client, payment, status, *, amount=None, secret=SECRET, receipt="BELEG-1"):
    body = json.dumps(
        {
            "paymentId": payment.provider_id,
            "requestId": payment.reference,
            "status": status,
            "grossAmount": int((amount or payment.amount) * 100),
            "receipt": receipt,
            "paymentMethod": "giropay",
        }
    ).encode()
    return client.post(
        f"/online/zahlung/{payment.reference}/rueckmeldung",
        body,
        content_type="application/json",
        headers={"X-Signature": sign(secret, body)},
    )


def started(online, platform):
    application, token = submitted_certificate(online)
    assert application.status == Status.SUBMITTED and not application.document  # mandatory: not issued yet
    payment = services.start_payment(application=application, base_url="http://testserver/")
    assert payment.redirect_url.startswith(platform.base_url + "/pay/")
    return application, token, payment


def test_a_forged_notification_changes_nothing(online, platform):
    application, _token, payment = started(online, platform)
    answer = notify(Client(), payment, "PAYED", secret="geraten")
    assert answer.status_code == 403
    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == "open" and application.status == Status.SUBMITTED and not application.document


def test_a_notification_for_another_amount_is_refused(online, platform):
    _application, _token, payment = started(online, platform)
    assert notify(Client(), payment, "PAYED", amount=Decimal("0.01")).status_code == 403
    payment.refresh_from_db()
    assert payment.status == "open"


def test_paid_issues_once_and_a_replayed_notification_changes_nothing(online, platform, clerk):
    application, _token, payment = started(online, platform)
    assert notify(Client(), payment, "PAYED").status_code == 200
    application.refresh_from_db()
    assert application.status == Status.COMPLETED and application.document
    document, changes = application.document.name, application.changes.count()
    assert notify(Client(), payment, "PAYED").status_code == 200  # the platform retries
    assert notify(Client(), payment, "CANCELED").status_code == 200  # a late, contradicting one
    application.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.receipt == "BELEG-1"
    assert application.document.name == document and application.changes.count() == changes

    staff = Client()
    staff.force_login(clerk)
    detail = staff.get(f"/online/verwaltung/{application.reference}/").content.decode()
    assert payment.reference in detail and "BELEG-1" in detail and "10,00 €" in detail
    csv = staff.get("/online/verwaltung/kasse.csv").content.decode("utf-8-sig")
    header, row = csv.strip().splitlines()
    assert header.startswith("Bezahlt am;Vorgangsnummer")
    assert f"{application.reference};Meldebescheinigung online" in row and row.endswith(";BELEG-1;giropay;10,00")


def test_nothing_to_pay_where_the_policy_says_none(online, platform):
    online["certificate"].payment_policy = "none"
    online["certificate"].save()
    application, token = submitted_certificate(online)
    assert application.status == Status.COMPLETED  # issued at once, as before
    client = Client()
    page = client.get(f"/online/antrag/{application.public_id}/status?t={token}").content.decode()
    assert 'id="pay"' not in page
    client.post(f"/online/antrag/{application.public_id}/bezahlen")
    assert not Payment.objects.exists()


def test_the_treasury_csv_is_for_staff_of_the_municipality_only(online, platform, django_user_model):
    from buergerbuero.accounts.models import Organisation, StaffMembership

    application, _token, payment = started(online, platform)
    notify(Client(), payment, "PAYED")
    other = django_user_model.objects.create_user("other")
    StaffMembership.objects.create(user=other, organisation=Organisation.objects.create(name="Stadt X"), role="clerk")
    staff = Client()
    staff.force_login(other)
    assert application.reference not in staff.get("/online/verwaltung/kasse.csv").content.decode("utf-8-sig")
    assert Client().get("/online/verwaltung/kasse.csv").status_code == 302  # login first


@pytest.mark.browser
def test_a_citizen_cancels_fails_and_pays_in_the_browser(transactional_db, online, platform, page, live_server):
    application, token = submitted_certificate(online)
    page.goto(f"/online/antrag/{application.public_id}/status?t={token}")
    for button, shown in (("Abbrechen", "abgebrochen"), ("Zahlung scheitern lassen", "fehlgeschlagen")):
        page.locator("#pay").click()
        assert page.locator("#amount").inner_text() == "10,00 €"
        page.get_by_role("button", name=button).click()
        page.locator("#payment-status").wait_for()
        assert page.locator("#payment-status").inner_text() == shown
        assert not page.locator("#document").count()
    page.locator("#pay").click()
    page.get_by_role("button", name="Bezahlen").click()
    page.locator("#document").wait_for()
    assert page.locator("#payment-status").inner_text() == "bezahlt"
    assert page.locator("#status").inner_text() == "abgeschlossen"
    paid = Payment.objects.get(status="paid")
    assert platform.resend(paid.provider_id) == 200  # the platform sends the notification once more
    application = Application.objects.get()
    assert list(application.changes.values_list("to_status", flat=True)) == ["submitted", "approved", "completed"]
    assert [p.status for p in Payment.objects.order_by("created_at", "pk")] == ["cancelled", "failed", "paid"]
