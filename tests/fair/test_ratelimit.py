import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import RequestFactory

from buergerbuero.core import ratelimit
from tests.factories import next_weekday

ROOT = Path(__file__).resolve().parents[2]


def request(ip="203.0.113.7", **meta):
    r = RequestFactory().get("/", REMOTE_ADDR=ip, **meta)
    r.user = AnonymousUser()
    return r


def test_limit_then_retry_after_is_honest(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "feed": "3/60"}
    start = 1_800_000_000.0  # the start of a window (a multiple of 60)
    for i in range(3):
        ratelimit.hit(request(), "feed", now=start + i)
    with pytest.raises(ratelimit.RateLimited) as exc:
        ratelimit.hit(request(), "feed", now=start + 3)
    wait = exc.value.retry_after
    assert exc.value.headers == {"Retry-After": str(wait)}
    assert wait >= 1
    # Still limited one second before the promised time, allowed at it (sliding window, not a reset).
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.hit(request(), "feed", now=start + 3 + wait - 1.5)
    ratelimit.hit(request(), "feed", now=start + 3 + wait)


def test_rejected_requests_do_not_extend_the_block(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "feed": "2/60"}
    start = 1_800_000_000.0
    ratelimit.hit(request(), "feed", now=start)
    ratelimit.hit(request(), "feed", now=start + 1)
    waits = set()
    for i in range(20):  # a client hammering gets 429s but its count stays at the limit
        with pytest.raises(ratelimit.RateLimited) as exc:
            ratelimit.hit(request(), "feed", now=start + 2 + i * 0.01)
        waits.add(exc.value.retry_after)
    assert max(waits) <= 60 + 60  # at most: rest of this window + the weight of this one in the next


def test_clients_are_counted_apart_and_ipv6_per_64(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "feed": "1/60"}
    ratelimit.hit(request("203.0.113.7"), "feed", now=1_800_000_000.0)
    ratelimit.hit(request("203.0.113.8"), "feed", now=1_800_000_000.0)
    ratelimit.hit(request("2001:db8:1:2::1"), "feed", now=1_800_000_000.0)
    with pytest.raises(ratelimit.RateLimited):  # same /64
        ratelimit.hit(request("2001:db8:1:2:ffff::9"), "feed", now=1_800_000_000.0)
    ratelimit.hit(request("2001:db8:1:3::1"), "feed", now=1_800_000_000.0)


def test_forwarded_for_is_trusted_only_behind_configured_proxies(settings):
    spoofed = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 192.0.2.50"}
    assert ratelimit.client_ip(request("10.0.0.1", **spoofed)) == "10.0.0.1"
    settings.RATELIMIT_PROXY_COUNT = 1
    assert ratelimit.client_ip(request("10.0.0.1", **spoofed)) == "192.0.2.50"  # what our proxy saw


@pytest.mark.django_db
def test_api_answers_429_problem_json_with_retry_after(client, small_office, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "availability": "2/600"}
    day = next_weekday(0)
    params = {"office": "test-office", "services": "personalausweis", "date": day.isoformat()}
    assert client.get("/api/availability/times", params).status_code == 200
    assert client.get("/api/availability/times", params).status_code == 200
    response = client.get("/api/availability/times", params)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["retry_after"] == int(response["Retry-After"])
    assert "Sekunden" in body["messages"]["de"]


@pytest.mark.django_db
def test_hold_creation_is_limited_before_any_work(client, small_office, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "hold": "1/600"}
    body = {"office": "test-office", "services": ["personalausweis"], "start": "2000-01-01T09:00"}
    assert client.post("/api/holds", body, content_type="application/json").status_code == 400  # counted
    assert client.post("/api/holds", body, content_type="application/json").status_code == 429


@pytest.mark.django_db
def test_signed_in_staff_are_not_limited(client, small_office, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "feed": "1/600"}
    client.force_login(User.objects.create_superuser("chef", "chef@example.org", "pw-123456789"))
    for _ in range(3):
        assert client.get("/api/open/availability").status_code == 200


# --- across processes -------------------------------------------------------------------------------------

LIMIT = 7
REDIS_DB = 13  # this suite's own Redis database number; keys also carry a per-run prefix


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Four real granian processes on one migrated SQLite file: two share Redis, two only have local memory."""
    if not _redis_up():
        pytest.fail("Redis on 127.0.0.1:6379 is not running (.ci/run starts it; locally: redis-server --daemonize yes)")
    tmp = tmp_path_factory.mktemp("two-processes")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "buergerbuero.settings",
        "BUERGERBUERO_VAR_DIR": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "RATELIMIT_FEED": f"{LIMIT}/3600",
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),  # this checkout's code, whichever checkout the .venv was installed from
    }
    env.pop("CACHE_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    granian = str(Path(python).parent / "granian")
    procs, urls = [], {"redis": [], "local": []}
    for kind in ("redis", "redis", "local", "local"):
        port = _free_port()
        proc_env = {**env, "CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}"} if kind == "redis" else env
        procs.append(
            subprocess.Popen(
                [
                    granian,
                    "--interface",
                    "wsgi",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                    "buergerbuero.wsgi:application",
                ],
                cwd=ROOT,
                env=proc_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        urls[kind].append(f"http://127.0.0.1:{port}")
    try:
        for base in urls["redis"] + urls["local"]:
            for _ in range(600):  # bounded: up to 60 s for a process to answer
                try:
                    if _get(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            else:
                pytest.fail(f"server {base} did not start")
        yield urls
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


def _hammer(bases: list[str]) -> list[tuple[str, int, dict, bytes]]:
    # Keep clear of the hourly window edge so the count is exact (the sliding weight would add one).
    if time.time() % 3600 > 3540:
        time.sleep(3600 - time.time() % 3600 + 1)
    out = []
    for i in range(3 * LIMIT):  # bounded: alternate between the processes
        base = bases[i % len(bases)]
        status, headers, body = _get(base + "/api/open/availability")
        out.append((base, status, headers, body))
    return out


def test_limit_holds_across_two_processes_sharing_redis(servers):
    results = _hammer(servers["redis"])
    ok = [r for r in results if r[1] == 200]
    limited = [r for r in results if r[1] == 429]
    assert len(ok) == LIMIT
    assert len(limited) == 2 * LIMIT
    assert {r[0] for r in ok} == set(servers["redis"])  # both processes served and both refused
    assert {r[0] for r in limited} == set(servers["redis"])
    for _base, _status, headers, body in limited:
        assert int(headers["Retry-After"]) >= 1
        assert json.loads(body)["code"] == "rate_limited"


def test_without_shared_cache_each_process_counts_alone(servers):
    """The contrast that shows the shared Redis matters: local memory lets through the limit per process."""
    results = _hammer(servers["local"])
    assert len([r for r in results if r[1] == 200]) == 2 * LIMIT
