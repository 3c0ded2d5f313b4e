"""The OpenAPI document tells the truth about names, headers, times and errors (issue 20, "The API's contract")."""

import importlib
import re

from ninja import Schema

from buergerbuero.api import api
from buergerbuero.core.problems import PROBLEM_MEDIA_TYPE
from tests.callcenter.conftest import world  # noqa: F401  (fixture)

API_MODULES = [
    "buergerbuero.applications.api",
    "buergerbuero.booking.api",
    "buergerbuero.booking.fair_api",
    "buergerbuero.callcenter.api",
    "buergerbuero.catalog.api",
    "buergerbuero.core.problems",
    "buergerbuero.insights.api",
    "buergerbuero.queue.api",
]


def document():
    return api.get_openapi_schema(path_prefix="/api/")


def test_every_api_module_is_checked_for_schema_names():
    routed = {
        operation.view_func.__module__
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }
    assert routed and routed <= set(API_MODULES)


def test_no_two_schemas_share_a_name():
    """The document names schemas by class name: two classes of one name would both be documented as one."""
    seen: dict[str, str] = {}
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module_name:
                assert name not in seen, f"{name} in {module_name} and {seen[name]}"
                seen[name] = module_name


def response_schema(path, method, status):
    return document()["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def test_queue_tickets_callback_tickets_the_display_and_call_logs_each_have_their_own_schema():
    assert response_schema("/api/queue/offices/{slug}/check-in", "post", "201")["$ref"].endswith("/QueueTicketOut")
    assert response_schema("/api/queue/tickets/{public_id}", "get", "200")["$ref"].endswith("/QueueTicketOut")
    assert response_schema("/api/callcenter/callbacks/{ticket_id}", "get", "200")["$ref"].endswith("/CallbackTicketOut")
    assert response_schema("/api/callcenter/calls", "get", "200")["items"]["$ref"].endswith("/CallLogOut")
    display = document()["components"]["schemas"]["DisplayOut"]
    assert display["properties"]["calls"]["items"]["$ref"].endswith("/DisplayCallOut")


def test_token_headers_are_documented_with_their_http_names():
    names = {
        parameter["name"]
        for methods in document()["paths"].values()
        for operation in methods.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header"
    }
    assert names == {"X-Booking-Token", "X-Application-Token"}


def test_wall_clock_times_are_documented_as_hh_mm_not_as_rfc3339_time():
    schemas = document()["components"]["schemas"]
    for prop in (
        schemas["ContractOut"]["properties"]["hours_start"],
        schemas["ContractOut"]["properties"]["hours_end"],
    ):
        assert prop["type"] == "string" and "format" not in prop
        assert re.fullmatch(prop["pattern"], "08:00") and not re.fullmatch(prop["pattern"], "08:00:00")
    text = str(document())
    assert "'format': 'time'" not in text


def test_every_operation_declares_its_problem_answers():
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            errors = {code: answer for code, answer in operation["responses"].items() if code.startswith("4")}
            if operation.get("parameters") or operation.get("requestBody") or operation.get("security"):
                assert errors, f"{method} {path} declares no error answer"
            for code, answer in errors.items():
                assert list(answer["content"]) == [PROBLEM_MEDIA_TYPE], f"{method} {path} {code}"
            if operation.get("security"):
                assert "401" in errors, f"{method} {path}"


def test_contract_hours_are_sent_as_hh_mm(client, world):  # noqa: F811
    client.force_login(world.users["partner_lead"])
    contracts = client.get("/api/callcenter/contracts").json()
    assert contracts and all(re.fullmatch(r"\d\d:\d\d", c["hours_start"]) for c in contracts)
    assert all(re.fullmatch(r"\d\d:\d\d", c["hours_end"]) for c in contracts)
