"""Request-wide operations: request id, one log line and metrics per request; 503 when the database is away."""

from __future__ import annotations

import logging
import time

from django.db import OperationalError

from buergerbuero.core import metrics
from buergerbuero.core.logs import new_request_id, request_id_var, route_of
from buergerbuero.core.problems import DATABASE_BUSY, unavailable_response

request_log = logging.getLogger("buergerbuero.request")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestLogMiddleware:
    """Outermost: the time it measures includes every other middleware (for a stream: until it starts)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            route = route_of(request)
            # Unknown verbs share one label, so a scanner cannot grow the metrics without bound.
            method = request.method if request.method in METHODS else "OTHER"
            metrics.REQUEST_SECONDS.labels(route, method).observe(seconds)
            metrics.RESPONSES.labels(route, method, str(response.status_code)).inc()
            request_log.info(
                "%s %s %s",
                method,
                route,
                response.status_code,
                extra={
                    "method": method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(token)


class DatabaseUnavailableMiddleware:
    """A view that gets no pooled connection in time (or finds the database away) answers 503 problem+json.

    Innermost, so it sees the exception first; the API's own handler (core/problems.py) does the same there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError):
            request_log.warning("database unavailable: %s", type(exception).__name__)
            return unavailable_response("database_unavailable", DATABASE_BUSY)
        return None
