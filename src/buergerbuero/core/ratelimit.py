"""Per-client-IP rate limits on the Django cache (locmem in one process, Redis across many).

A sliding-window counter: two fixed windows (current and previous), the previous one weighted by how much of
it still overlaps the last `period` seconds. Counting uses only `cache.add` + `cache.incr`/`decr`, which are
atomic in Redis (INCR) and in locmem (a lock), so web processes sharing one Redis share one limit. A rejected
request gives its count back, so a client that waits as told (Retry-After) gets through.

Limits are configured per scope in `settings.RATELIMITS` as "requests/seconds" (env `RATELIMIT_<SCOPE>`).
Signed-in staff are not limited (a call center behind one NAT address must not lock itself out).
"""

import contextlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.functional import lazy
from django.utils.translation import gettext

from buergerbuero.core.errors import DomainError

MARGIN_SECONDS = 60  # keys outlive their window, so an INCR never meets a key that just expired


def _try_again_in(seconds: int) -> str:
    return gettext("Zu viele Anfragen. Bitte versuchen Sie es in %(seconds)d Sekunden erneut.") % {"seconds": seconds}


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(
            # Lazy: filled in when shown, so the problem's English message and an English page are English.
            lazy(_try_again_in, str)(retry_after),
            extra={"retry_after": retry_after},
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def with_headers(response: HttpResponse, error: DomainError) -> HttpResponse:
    """A page answering a refused request: a 429 carries Retry-After like the API's problem+json does."""
    for header, value in getattr(error, "headers", {}).items():
        response[header] = value
    return response


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        limit, _sep, period = text.partition("/")
        rate = cls(int(limit), int(period or 60))
        if rate.limit < 1 or rate.period < 1:
            raise ValueError(f"rate limit must be positive: {text!r}")
        return rate


def rate_for(scope: str) -> Rate:
    return Rate.parse(settings.RATELIMITS[scope])


def client_ip(request: HttpRequest) -> str:
    """The client address; behind `RATELIMIT_PROXY_COUNT` trusted proxies, read from X-Forwarded-For.

    IPv6 clients are grouped per /64: one household or server usually gets a whole /64.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.RATELIMIT_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def _count(key: str, ttl: int) -> int:
    for _attempt in range(2):
        cache.add(key, 0, ttl)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr (cache full): start again
            continue
    return 1


def _retry_after(rate: Rate, previous: int, current: int, elapsed: float) -> int:
    """Seconds until one more request fits, if no other request comes in meanwhile."""
    limit, period = rate.limit, rate.period
    if current + 1 <= limit and previous:
        # The previous window's weight must fall: previous·(1 − t/period) + current + 1 ≤ limit.
        needed = period * (1 - (limit - current - 1) / previous)
        return max(1, math.ceil(needed - elapsed))
    # This window alone is full: wait for the next one and for this one's weight to fall there.
    needed = period * max(0.0, 1 - (limit - 1) / current) if current else 0.0
    return max(1, math.ceil(period - elapsed + needed))


def hit(request: HttpRequest, scope: str, *, now: float | None = None) -> None:
    """Count one request of `scope` from this client; raise RateLimited (429) when over the limit."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return
    rate = rate_for(scope)
    now = time.time() if now is None else now
    window = int(now // rate.period)
    elapsed = now - window * rate.period
    ident = client_ip(request)
    key = f"rl:{scope}:{ident}:{window}"
    current = _count(key, 2 * rate.period + MARGIN_SECONDS)
    previous = cache.get(f"rl:{scope}:{ident}:{window - 1}", 0)
    estimate = previous * (1 - elapsed / rate.period) + current
    if estimate > rate.limit:
        with contextlib.suppress(ValueError):
            cache.decr(key)
        raise RateLimited(_retry_after(rate, previous, current - 1, elapsed))
