"""Closing a test client's response the way the client itself does.

Closing a response sends `request_finished`, whose `close_old_connections` closes a connection that is inside a
transaction (autocommit off): in a test that is the test's own transaction. On SQLite's in-memory database a close
is ignored; on PostgreSQL the connection goes back to the pool and the next query fails ("Cannot open a new
connection in an atomic block"). Django's test client disconnects the handler around its own close; so do we.
"""

import contextlib

from django.core.signals import request_finished, request_started
from django.db import close_old_connections


def close(response) -> None:
    """Close a response (an event stream gives back its slot) without closing the test's database connection."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@contextlib.contextmanager
def test_connection_kept():
    """While requests go through Django's real WSGI handler (which sends request_started and, closing every
    response, request_finished): the test's own transaction keeps its connection, as under Django's test client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
