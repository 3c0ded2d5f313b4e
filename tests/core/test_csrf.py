"""Every state-changing API operation refuses a browser session without CSRF token (issue 13, sec. 3).

The operations are enumerated from the URL configuration and described by the OpenAPI document, so a new
endpoint is covered without being listed here. Staff-only operations answer 401 to an anonymous caller.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver

from buergerbuero.api import api

UNSAFE = {"post", "put", "patch", "delete"}
# A well-formed CSRF secret; the test client sends it as cookie and header like a browser page would.
CSRF = "a" * 32


def api_routes() -> set[str]:
    resolver = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "api")
    routes = {re.sub(r"<(\w+)>", r"{\1}", str(p.pattern)) for p in resolver.url_patterns}
    return {f"/api/{route}" for route in routes - {"openapi.json", "docs", ""}}


def operations():
    document = api.get_openapi_schema(path_prefix="/api/")
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def concrete(path: str) -> str:
    # Auth runs before the parameters are read, so any value that matches the URL pattern will do.
    return re.sub(r"\{\w+\}", "1", path)


def test_the_openapi_document_describes_every_api_route():
    assert {path for path, _method, _operation in operations()} == api_routes()


WRITES = sorted((path, method) for path, method, _operation in operations() if method in UNSAFE)


def test_there_are_writes_to_check():
    assert len(WRITES) > 20  # the enumeration itself must not silently come back empty


@pytest.mark.parametrize(("path", "method"), WRITES)
def test_a_session_write_without_csrf_token_is_refused(db, path, method):
    user = get_user_model().objects.create_superuser("chefin", "chefin@example.org", None)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    send = getattr(browser, method)

    refused = send(concrete(path), data="x", content_type="text/plain")
    assert refused.status_code == 403, refused.content
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "csrf_failed"

    # The same request with the token gets past the check (and fails later on the nonsense body or id).
    browser.cookies["csrftoken"] = CSRF
    passed = send(concrete(path), data="x", content_type="text/plain", headers={"X-CSRFToken": CSRF})
    assert passed.status_code < 500
    assert passed.status_code != 403 or passed.json()["code"] != "csrf_failed"


STAFF_ONLY = sorted(
    (path, method)
    for path, method, operation in operations()
    if operation.get("security") and {} not in operation["security"]
)


@pytest.mark.parametrize(("path", "method"), STAFF_ONLY)
def test_staff_operations_answer_401_to_anonymous_callers(client, db, path, method):
    if method in UNSAFE:
        response = getattr(client, method)(concrete(path), data="x", content_type="text/plain")
    else:
        response = getattr(client, method)(concrete(path))
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "unauthorized"
