"""CACHE_URL=redis+sentinel://… against a real Redis Sentinel watching a real Redis, both started here."""

import uuid

import pytest
import redis

from buergerbuero.core.cache_url import parse_cache_url
from buergerbuero.core.sentinel_cache import SentinelRedisCache
from tests.redis_processes import redis_server, sentinel


@pytest.fixture
def primary_and_sentinel(tmp_path):
    with (
        redis_server(tmp_path / "primary") as primary,
        sentinel(tmp_path / "sentinel", primary_port=primary["port"], service="testprimary") as port,
    ):
        yield primary["port"], port


def test_a_sentinel_url_reaches_the_primary_it_names(primary_and_sentinel):
    primary_port, sentinel_port = primary_and_sentinel
    config = parse_cache_url(f"redis+sentinel://127.0.0.1:{sentinel_port}/testprimary/0")
    prefix = f"test-sentinel-{uuid.uuid4().hex}"
    cache = SentinelRedisCache(config["LOCATION"], {"OPTIONS": config["OPTIONS"], "KEY_PREFIX": prefix})
    cache.set("counter", 1, timeout=30)
    assert cache.incr("counter") == 2
    # The value landed in the Redis the sentinel watches, where other web processes read it.
    direct = redis.Redis(host="127.0.0.1", port=primary_port)
    assert direct.get(f"{prefix}:1:counter") == b"2"
    cache.delete("counter")
