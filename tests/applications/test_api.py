"""The applications API: fee calculator and status, errors as problem+json naming the field."""

from buergerbuero.applications.models import Application
from tests.applications.conftest import VALID_ID_CARD, start_draft


def test_fee_calculator(client, db):
    response = client.get("/api/applications/fees/id-card?birth_date=2002-02-07&on=2026-02-07&direct_delivery=true")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == "61.00"  # 24 on the day of the change: 46 + 15
    assert [line["key"] for line in body["lines"]] == ["base_adult", "direct_delivery"]
    before = client.get("/api/applications/fees/id-card?birth_date=2003-02-08&on=2026-02-06").json()
    assert before["total"] == "22.80"


def test_fee_calculator_errors_name_the_field(client, db):
    response = client.get("/api/applications/fees/id-card?birth_date=2015-01-01&on=2026-03-01&direct_delivery=true")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["field"] == "direct_delivery"
    assert "16 Jahren" in response.json()["messages"]["de"]
    response = client.get("/api/applications/fees/id-card?birth_date=kein-datum")
    assert response.status_code == 422 and response.json()["field"] == "birth_date"


def test_status_needs_the_token(client, online):
    form_url = start_draft(client)
    client.post(form_url, {**VALID_ID_CARD, "action": "submit"})
    application = Application.objects.get()
    token = client.session["applications_tokens"][str(application.public_id)]
    ok = client.get(f"/api/applications/{application.public_id}", HTTP_X_APPLICATION_TOKEN=token)
    assert ok.status_code == 200 and ok.json()["status"] == "submitted" and ok.json()["fee"] == "46.00"
    wrong = client.get(f"/api/applications/{application.public_id}", HTTP_X_APPLICATION_TOKEN="nope")
    assert wrong.status_code == 404 and wrong["Content-Type"].startswith("application/problem+json")
