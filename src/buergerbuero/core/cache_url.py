"""Turn CACHE_URL into Django's CACHES["default"], and refuse what it cannot serve.

- empty or ``locmem://``: memory of this one process (development, a single web process only);
- ``redis://host:6379/0``, ``rediss://…`` (TLS) and ``unix:///run/redis.sock?db=0``: Django's Redis cache, which
  hands the URL to redis-py as it is;
- ``redis+sentinel://[:password@]host:26379[,host2:26379]/service/db``: the sentinels name the current primary
  of ``service``; every cache call goes to it (``buergerbuero.core.sentinel_cache``).

Anything else stops the start with a clear message: a typo must not silently split rate limits per process.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

REDIS_SCHEMES = {"redis", "rediss", "unix"}
SENTINEL_SCHEMES = {"redis+sentinel", "rediss+sentinel"}
# The availability day cache holds one entry per office and day: Django's default of 300 entries would
# cull it constantly for a city with dozens of offices.
LOCMEM_MAX_ENTRIES = 50_000


def parse_cache_url(url: str) -> dict:
    url = url.strip()
    scheme = urlsplit(url).scheme if url else "locmem"
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": LOCMEM_MAX_ENTRIES},
        }
    if scheme in REDIS_SCHEMES:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme in SENTINEL_SCHEMES:
        return _sentinel(url)
    known = ", ".join(sorted({"locmem", *REDIS_SCHEMES, *SENTINEL_SCHEMES}))
    raise ImproperlyConfigured(f"CACHE_URL has the unknown scheme {scheme!r}; known: {known}.")


def _sentinel(url: str) -> dict:
    parts = urlsplit(url)
    # urlsplit cannot read "host1:26379,host2:26379" as one netloc with a port, so split the hosts by hand.
    hosts_part = parts.netloc.rpartition("@")[2]
    sentinels = []
    for item in hosts_part.split(","):
        host, _sep, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(f"CACHE_URL: sentinel address {item!r} needs host:port.")
        sentinels.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ImproperlyConfigured(
            "CACHE_URL: a sentinel URL names the service: redis+sentinel://host:26379/mymaster/0"
        )
    service = unquote(path[0])
    db = int(path[1]) if len(path) > 1 and path[1].isdigit() else 0
    password = unquote(parts.netloc.rpartition("@")[0].partition(":")[2]) if "@" in parts.netloc else ""
    query = parse_qs(parts.query)
    return {
        "BACKEND": "buergerbuero.core.sentinel_cache.SentinelRedisCache",
        "LOCATION": service,
        "OPTIONS": {
            "sentinels": sentinels,
            "db": db,
            "password": password or None,
            "sentinel_password": (query.get("sentinel_password") or [""])[0] or None,
            "ssl": parts.scheme.startswith("rediss"),
        },
    }
