"""Inputs that used to break inside the stack with a 500 now answer 4xx problem+json and change nothing."""

from django.test import Client

from buergerbuero.callcenter.models import Article, IntervalStat
from buergerbuero.queue.models import Ticket
from tests import factories
from tests.callcenter.conftest import world  # noqa: F401  (fixture)

NO_BOUNDARY = "multipart/form-data"  # the boundary parameter is missing: Django cannot split the body
CSRF = "a" * 32


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["messages"]["de"] and body["messages"]["en"]
    if field:
        assert body["field"] == field


def test_a_multipart_body_without_boundary_is_a_400_in_the_csrf_check_of_a_session(world):  # noqa: F811
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["admin"])
    browser.cookies["csrftoken"] = CSRF
    # The CSRF check reads the form body for a token when the header is missing.
    response = browser.post("/api/queue/offices/castrop/tickets", data=b"--x\r\n", content_type=NO_BOUNDARY)
    assert_problem(response, 400, "body")
    assert response.json()["code"] == "unreadable_body"
    assert not Ticket.objects.exists()


def test_a_multipart_body_without_boundary_is_a_400_where_a_file_is_read(client, world):  # noqa: F811
    # A machine client with a token: no CSRF check, the view's file parameter reads request.FILES.
    response = client.post(
        f"/api/callcenter/contracts/{world.contract.pk}/intervals",
        data=b"--x\r\n",
        content_type=NO_BOUNDARY,
        headers=factories.bearer(world.users["partner_lead"]),
    )
    assert_problem(response, 400, "body")
    assert response.json()["code"] == "unreadable_body"
    assert not IntervalStat.objects.exists()


def test_an_article_for_a_municipality_that_does_not_exist_is_a_404(client, world):  # noqa: F811
    client.force_login(world.users["admin"])
    before = Article.objects.count()
    response = client.put(
        "/api/callcenter/kb/articles",
        {
            "leika_key": "99008001000000",
            "title": "Personalausweis",
            "summary": "Neu.",
            "caller_script": "Neu.",
            "review_due": "2030-01-01",
            "municipality_id": 987654,
        },
        content_type="application/json",
    )
    assert_problem(response, 404, "municipality_id")
    assert Article.objects.count() == before
