"""CACHE_URL=redis+sentinel://… against a real Redis Sentinel (started here) watching the Redis on 127.0.0.1:6379."""

import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis

from buergerbuero.core.cache_url import parse_cache_url
from buergerbuero.core.sentinel_cache import SentinelRedisCache


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sentinel(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor testprimary 127.0.0.1 6379 1\n")
    process = subprocess.Popen(
        ["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.sentinel_get_master_addr_by_name("testprimary"):
                break
        except redis.ConnectionError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the sentinel did not come up")
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_a_sentinel_url_reaches_the_primary_it_names(sentinel):
    config = parse_cache_url(f"redis+sentinel://127.0.0.1:{sentinel}/testprimary/0")
    prefix = f"test-sentinel-{uuid.uuid4().hex}"
    cache = SentinelRedisCache(config["LOCATION"], {"OPTIONS": config["OPTIONS"], "KEY_PREFIX": prefix})
    cache.set("counter", 1, timeout=30)
    assert cache.incr("counter") == 2
    # The value landed in the Redis the sentinel watches, where other web processes read it.
    direct = redis.Redis(host="127.0.0.1", port=6379)
    assert direct.get(f"{prefix}:1:counter") == b"2"
    cache.delete("counter")
