"""Structured logs: one JSON object per line, every line of a request carrying its request id.

The request id comes from the proxy's X-Request-ID header when it is a plain token (so a line in nginx's log
and ours can be matched), else a new random one; it is kept in a context variable, not on a global, so
threads and async tasks of other requests never see it. Logs carry no personal data: the request line names
the route pattern (``termin/<code>/``), never the path, query string, client address or form fields.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Attributes every LogRecord has; anything else was passed with extra={...} and goes into the JSON object.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def new_request_id(header: str | None) -> str:
    return header if header and _TOKEN.match(header) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        request = getattr(record, "request", None)
        if request is not None:
            # django.request puts the raw path into its message ("Internal Server Error: /termin/ABC123/");
            # replace it with the route pattern, which carries no booking code or token.
            record.msg, record.args = "%s: %s", (record.getMessage().split(":")[0], route_of(request))
            delattr(record, "request")  # a WSGIRequest is neither JSON nor something a log should hold
        return True


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else "unmatched"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in body:
                body[key] = value
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)
