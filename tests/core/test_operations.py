"""Operations endpoints and their rules: liveness, readiness, metrics access, request logs, 503 on no database."""

import io
import json
import logging
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from buergerbuero.core.cache_url import parse_cache_url
from buergerbuero.core.logs import JsonFormatter, RequestIdFilter


def test_healthz_answers_without_asking_the_database(client):
    response = client.get("/healthz")  # no database for this test: a query would fail the request
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_asks_database_and_cache(client, settings):
    settings.READINESS_CHECKS = CORE_CHECKS  # the background checks are tests/background's
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "cache": "ok"}}


CORE_CHECKS = ["buergerbuero.core.health.database", "buergerbuero.core.health.cache"]


def broken_check():
    raise ConnectionError("redis://:secret@cache.internal refused")


@pytest.mark.django_db
def test_readyz_is_503_when_a_registered_check_fails_and_names_only_its_class(client, settings):
    settings.READINESS_CHECKS = [*CORE_CHECKS, "tests.core.test_operations.broken_check"]
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broken_check": "ConnectionError"}
    assert b"secret" not in response.content


@pytest.mark.django_db
def test_metrics_from_loopback_show_request_latency_by_route_and_domain_gauges(client, small_office):
    client.get(f"/queue/{small_office.slug}/display/")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        'buergerbuero_http_request_duration_seconds_bucket{le="0.005",method="GET",route="queue/<slug:slug>/display/"'
        in text
    )
    assert f'buergerbuero_floor_waiting{{office="{small_office.slug}"}} 0.0' in text
    assert "buergerbuero_outbox_due 0.0" in text


@pytest.mark.django_db
def test_metrics_are_refused_through_a_proxy_and_from_elsewhere_without_the_token(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert proxied.status_code == 403
    assert proxied["Content-Type"].startswith("application/problem+json")
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403  # with a token, loopback needs it too
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert ok.status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_free_database_connection_is_a_503_problem_not_a_traceback(client, small_office, settings):
    """Every pooled connection is out (as in the 07:00 burst): a request waits DB_POOL_TIMEOUT, then gets 503."""
    pool = connection.pool
    assert pool.max_size == settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    connection.close()  # this thread's own connection goes back first
    borrowed = [pool.getconn() for _ in range(pool.max_size)]
    try:
        for url in (f"/queue/{small_office.slug}/display/", f"/api/offices/{small_office.slug}"):
            response = client.get(url)
            assert response.status_code == 503, url
            assert response["Content-Type"].startswith("application/problem+json")
            assert response["Retry-After"] == "5"
            body = json.loads(response.content)
            assert body["code"] == "database_unavailable" and body["messages"]["en"]
    finally:
        for conn in borrowed:
            pool.putconn(conn)
    assert client.get(f"/api/offices/{small_office.slug}").status_code == 200  # and the next request works again


@pytest.fixture
def log_lines():
    """The production log pipeline (filter + JSON formatter of settings.LOGGING) on the root logger."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_the_log_pipeline_is_the_one_settings_configure(settings):
    assert settings.LOGGING["formatters"]["json"]["()"] == "buergerbuero.core.logs.JsonFormatter"
    assert settings.LOGGING["filters"]["request_id"]["()"] == "buergerbuero.core.logs.RequestIdFilter"


@pytest.mark.django_db
def test_one_json_line_per_request_with_its_id_and_no_path_or_query(client, small_office, log_lines):
    response = client.get(f"/queue/{small_office.slug}/display/?name=Erika+Mustermann", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"
    lines = [line for line in log_lines() if line["logger"] == "buergerbuero.request"]
    assert len(lines) == 1
    line = lines[0]
    assert (
        line["request_id"] == "lb-1234abcd" and line["status"] == 200 and line["route"] == "queue/<slug:slug>/display/"
    )
    assert "Mustermann" not in json.dumps(line) and small_office.slug not in json.dumps(line)


def test_a_request_id_header_that_is_not_a_plain_token_is_replaced(client, log_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>x</script>")
    assert response["X-Request-ID"] != "<script>x</script>" and len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache", None),
        ("redis://127.0.0.1:6379/0", "django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/0"),
        (
            "rediss://:pw@cache.example:6380/1",
            "django.core.cache.backends.redis.RedisCache",
            "rediss://:pw@cache.example:6380/1",
        ),
        (
            "unix:///run/redis/redis.sock?db=2",
            "django.core.cache.backends.redis.RedisCache",
            "unix:///run/redis/redis.sock?db=2",
        ),
    ],
)
def test_cache_urls(url, backend, location):
    config = parse_cache_url(url)
    assert config["BACKEND"] == backend
    assert config.get("LOCATION") == location


def test_sentinel_cache_url_names_sentinels_service_and_db():
    config = parse_cache_url("redis+sentinel://:pw@s1.internal:26379,s2.internal:26380/mymaster/3")
    assert config["BACKEND"] == "buergerbuero.core.sentinel_cache.SentinelRedisCache"
    assert config["LOCATION"] == "mymaster"
    assert config["OPTIONS"]["sentinels"] == [("s1.internal", 26379), ("s2.internal", 26380)]
    assert config["OPTIONS"]["db"] == 3 and config["OPTIONS"]["password"] == "pw"


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "redis//typo:6379", "redis+sentinel://s1:26379"])
def test_unknown_or_incomplete_cache_urls_stop_the_start(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        parse_cache_url(url)


def test_the_unix_socket_url_reaches_a_real_redis(tmp_path):
    """Django's Redis cache hands the URL to redis-py: a unix:// URL works end to end (a Redis started here)."""
    from django.core.cache.backends.redis import RedisCache

    from tests.redis_processes import redis_server

    with redis_server(tmp_path / "redis", unix_socket=True) as address:
        config = parse_cache_url(f"unix://{address['socket']}?db=0")
        cache = RedisCache(config["LOCATION"], {"KEY_PREFIX": "test-unix"})
        cache.set("k", 1)
        assert cache.get("k") == 1


def test_api_docs_load_swagger_ui_from_our_own_static_files_under_the_csp(client):
    from django.contrib.staticfiles import finders

    response = client.get("/api/docs")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui-init.js")
    policy = response["Content-Security-Policy"]
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "default-src 'self'" in policy and script_src.strip() == "'self'"  # nothing inline, no other host


@pytest.mark.django_db
def test_an_inline_script_carries_the_nonce_of_its_responses_policy(client, settings):
    """The SAML auto-post page: its one inline script runs only because it carries the response's nonce."""
    from django.middleware.csp import ContentSecurityPolicyMiddleware
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")

    def view(request):
        from django.http import HttpResponse

        return HttpResponse(
            render_to_string(
                "applications/identity_post.html", {"destination": "https://idp.example", "fields": {}}, request
            )
        )

    response = ContentSecurityPolicyMiddleware(view)(request)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()
