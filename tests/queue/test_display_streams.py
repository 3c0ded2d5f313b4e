"""Call-display streams are capped per process and per address, and hold no database connection while waiting."""

import json

import pytest
from django.db import connection

from buergerbuero.queue import sse
from tests import responses

URL = "/queue/test-office/display/events"
# Closing a response sends request_finished, which closes the connection: no test transaction to wrap it in.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def capped(settings, monkeypatch):
    settings.QUEUE_SSE_POLL_SECONDS = 0.01
    settings.QUEUE_SSE_MAX_SECONDS = 60
    settings.QUEUE_SSE_MAX_STREAMS = 3
    settings.QUEUE_SSE_MAX_PER_ADDRESS = 2
    # Fresh slots: a stream another test of this process left open must not count against these caps.
    monkeypatch.setattr(sse, "SLOTS", sse.StreamSlots())
    yield
    assert sse.SLOTS.open_streams() == 0, "a test left a stream slot taken"


def open_stream(client, address):
    response = client.get(URL, REMOTE_ADDR=address)
    if response.status_code == 200:
        next(iter(response.streaming_content))  # the retry line: the stream runs
    return response


def assert_full(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["Retry-After"]
    body = json.loads(response.content)
    assert body["code"] == "streams_full" and body["messages"]["en"] and body["messages"]["de"]


def test_one_address_gets_its_share_and_the_process_its_total(client, open_now, capped):
    first = open_stream(client, "203.0.113.1")
    second = open_stream(client, "203.0.113.1")
    assert first.status_code == second.status_code == 200
    assert_full(open_stream(client, "203.0.113.1"))  # per address
    third = open_stream(client, "203.0.113.2")
    assert third.status_code == 200
    assert_full(open_stream(client, "203.0.113.3"))  # per process
    first.close()  # its slot is free again
    fourth = open_stream(client, "203.0.113.1")
    assert fourth.status_code == 200
    for response in (second, third, fourth):
        responses.close(response)


def test_a_stream_closed_before_its_first_byte_gives_its_slot_back(client, open_now, capped):
    response = client.get(URL, REMOTE_ADDR="203.0.113.9")
    assert sse.SLOTS.open_streams() == 1
    responses.close(response)
    assert sse.SLOTS.open_streams() == 0


def test_a_stream_that_ends_by_itself_gives_its_slot_back(client, open_now, capped, settings):
    settings.QUEUE_SSE_MAX_SECONDS = 0.05
    response = client.get(URL, REMOTE_ADDR="203.0.113.9")
    b"".join(response.streaming_content)
    assert sse.SLOTS.open_streams() == 0
    responses.close(response)


@pytest.mark.postgres
def test_a_waiting_stream_holds_no_database_connection(client, open_now, capped):
    response = client.get(URL, REMOTE_ADDR="203.0.113.1")
    chunks = iter(response.streaming_content)
    next(chunks)  # retry
    next(chunks)  # the first poll read the calls and sent them
    assert connection.connection is None, "the connection went back to the pool between polls"
    responses.close(response)


def test_the_default_cap_leaves_the_documented_web_threads_mostly_to_the_booking_pages():
    """Under WSGI each open stream keeps a thread: the documented web unit's threads outnumber the default
    per-process cap twice over, so call displays can never take every thread from the booking pages."""
    from django.conf import settings

    from tests.deployment_doc import systemd_units

    command = systemd_units()["buergerbuero-web.service"]["ExecStart"]
    threads = int(command[command.index("--blocking-threads") + 1])
    assert 0 < 2 * settings.QUEUE_SSE_MAX_STREAMS <= threads
