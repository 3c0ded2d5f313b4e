"""The proof of the whole (issue 15): a deployment as docs/deployment.md describes it – two web processes behind
one PostgreSQL and one Redis, two workers and the scheduler, each started with the command of its systemd unit
and the documented production variables – takes citizens' bookings through the HTML pages while one web process
and one worker are killed with SIGKILL and started again.

Afterwards: every booking a citizen saw confirmed is confirmed in the database (and none else), the booking
guarantee holds, every confirmation mail is in the mail folder exactly once, nothing is left in the outbox, a
per-address rate limit counted the requests of both web processes together, and /readyz went not-ready while no
worker was alive and ready again once they were back.

"Exactly once in the mail folder" is what a deduplicating mailbox sees: the folder keeps one file per
Message-ID, and a worker killed in the milliseconds between handing a mail over and recording it hands it over
again with the same Message-ID (docs/adr/0003-outbox-and-leases.md). A confirmation that is missing, or two
confirmations with different Message-IDs for one booking, would fail here.

Waits poll with deadlines (against a hung run, never as an assertion); the load is small on purpose: it proves
the behaviour, docs/benchmarks.md measures speed.
"""

import contextlib
import email
import email.policy
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis

from buergerbuero.background.models import Message
from buergerbuero.booking.models import Appointment
from tests import factories
from tests.background.processes import ROOT, database_url, wait_until
from tests.booking.invariants import assert_booking_guarantee
from tests.deployment_doc import documented_production_environment, local_command, systemd_units
from tests.redis_processes import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOST = "termine.example.de"  # ALLOWED_HOSTS of the documented environment; the proxy passes the Host on
CITIZENS = 16
THREADS = 4
FEED_LIMIT = 5  # the per-address limit the rate-limit probe runs into
REDIS = "redis://127.0.0.1:6379/12"  # this test's Redis database; its keys also carry a per-run prefix
UNITS = {
    "web": "buergerbuero-web.service",
    "worker": "buergerbuero-worker@.service",
    "scheduler": "buergerbuero-scheduler.service",
}


# --- the processes ------------------------------------------------------------------------------------------


class Deployment:
    """The documented units as local processes. Each runs in its own process group, as systemd runs a unit in
    its own cgroup: a kill reaches granian's worker processes too."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.mail = tmp / "mail"
        self.units = systemd_units()
        env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
        env |= documented_production_environment()
        env |= {
            # What the placeholders of the documented block stand for on this machine.
            "SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": database_url(),
            "CACHE_URL": REDIS,
            "CACHE_KEY_PREFIX": f"deployment-{uuid.uuid4().hex}",
            "EMAIL_URL": f"file://{self.mail}",
            "METRICS_TOKEN": secrets.token_urlsafe(16),
            "BUERGERBUERO_VAR_DIR": str(tmp / "var"),
            # collectstatic copies 30 MB per release, not per process; hashed names have their own test
            # (tests/core/test_startup.py). These pages link plain names.
            "STATIC_HASHED_NAMES": "false",
            # Documented knobs, short here so that the test is: a killed worker's rows come back after 3 s,
            # a dead worker stops counting for /readyz after 3 s.
            "OUTBOX_LEASE_SECONDS": "3",
            "WORKER_HEARTBEAT_SECONDS": "1",
            # The citizens below use the no-JavaScript anti-bot ticket without its 15 s wait (docs/fair-release.md).
            "ANTIBOT_NOJS_DELAY_SECONDS": "0",
            "RATELIMIT_FEED": f"{FEED_LIMIT}/86400",
            "LOG_LEVEL": "WARNING",
            # This checkout's code: the shared .venv's editable install may point at another checkout
            # (manage.py puts its own src/ first by itself, granian does not).
            "PYTHONPATH": str(ROOT / "src"),
        }
        self.env = env
        self.web_ports = {"web-a": free_port(), "web-b": free_port()}
        self.processes: dict[str, subprocess.Popen] = {}

    def command(self, name: str) -> tuple[list[str], dict]:
        kind = name.split("-")[0]
        unit = self.units[UNITS[kind]]
        env = dict(self.env)
        for key, value in unit["Environment"].items():
            if value.startswith("/run/"):  # RuntimeDirectory=: a fresh, empty directory at every start
                path = self.tmp / "run" / name
                shutil.rmtree(path, ignore_errors=True)
                path.mkdir(parents=True)
                value = str(path)
            env[key] = value
        if kind == "web":
            # One host of the documented web unit; the port and process count are what differ per host.
            return local_command(unit["ExecStart"], port=str(self.web_ports[name]), workers="1"), env
        return local_command(unit["ExecStart"]), env

    def start(self, *names: str) -> None:
        for name in names:
            argv, env = self.command(name)
            with (self.tmp / f"{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )

    def signal(self, name: str, sig: int) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=60)

    def stop_all(self) -> None:
        """SIGTERM to every unit at once (each finishes what it is doing), then wait for all."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def forget_cache(self) -> None:
        """This run's keys leave the shared Redis (most expire by themselves, cached day plans would not)."""
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(match=f"{self.env['CACHE_KEY_PREFIX']}:*", count=500):
            client.delete(key)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]


def forward(port: int, method: str, path: str, *, form=None, headers=None):
    """One request as the reverse proxy forwards it (HTTPS ended there, the Host passed on)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = urlencode(form, doseq=True) if form is not None else None
        sent = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body, sent)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class LoadBalancer:
    """Round robin over the web processes. A process that refuses the connection is skipped (nginx:
    proxy_next_upstream error); one that dies during a request leaves the client a 502, as nginx answers."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self._turn = 0
        self._lock = threading.Lock()

    def send(self, method: str, path: str, **kwargs):
        with self._lock:
            self._turn += 1
            first = self._turn % len(self.ports)
        for port in self.ports[first:] + self.ports[:first]:
            try:
                return forward(port, method, path, **kwargs)
            except ConnectionRefusedError:
                continue
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                return 502, http.client.HTTPMessage(), b""
        return 502, http.client.HTTPMessage(), b""


def readiness(port: int) -> tuple[int, dict]:
    try:
        status, _headers, body = forward(port, "GET", "/readyz")
    except OSError:
        return 0, {}
    return status, json.loads(body) if body.startswith(b"{") else {}


# --- the citizens -------------------------------------------------------------------------------------------


class MailFolder:
    """The mail folder the workers write (one file per Message-ID), read by all citizens."""

    def __init__(self, path: Path):
        self.path = path
        self._parsed: dict[str, email.message.EmailMessage] = {}
        self._lock = threading.Lock()

    def mails(self) -> list[email.message.EmailMessage]:
        with self._lock:
            for file in self.path.glob("*.eml") if self.path.exists() else []:
                if file.name not in self._parsed:  # a file is written once (atomically) and then replaced as is
                    self._parsed[file.name] = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
            return list(self._parsed.values())

    def opt_in_link(self, address: str) -> str | None:
        for mail in self.mails():
            if str(mail["To"]) == address and "Bitte bestätigen" in str(mail["Subject"]):
                body = mail.get_body(("plain",))
                assert body is not None
                found = re.search(r"https://[^/\s]+(/bestaetigen/[^\s\"<>]+)", body.get_content())
                if found:
                    return found.group(1)
        return None


class Citizen:
    """Books one appointment through the HTML pages like a browser without JavaScript, from its own address."""

    def __init__(self, n: int, lb: LoadBalancer, folder: MailFolder, office: str, service: str):
        self.address = f"198.51.100.{n + 1}"
        self.email = f"buerger{n}@example.org"
        self.lb, self.folder, self.office, self.service = lb, folder, office, service
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.random = random.Random(n)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"X-Forwarded-For": self.address, "Origin": f"https://{HOST}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        if form is not None:
            form = {"csrfmiddlewaretoken": self.csrf, **form}
        status, headers, body = self.lb.send(method, path, form=form, headers=headers)
        for header in headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return status, headers, body.decode(errors="replace")

    def book(self, deadline: "Deadline") -> str:
        contact = self._hold(deadline)
        self._until(deadline, "POST", contact, {"name": "Erika Muster", "email": self.email, "consent": "on"})
        while not (link := self.folder.opt_in_link(self.email)):  # the workers deliver it
            deadline.check(f"{self.email}'s opt-in mail")
            time.sleep(0.05)
        location = self._until(deadline, "POST", link, {})
        assert "/meine-buchung/" in location, location
        return self.email

    def _hold(self, deadline: "Deadline") -> str:
        times = f"/termine/{self.office}/?services={self.service}&persons=1"
        while True:
            status, _headers, page = self.request("GET", times)
            if status == 200:
                self.csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[0]
                starts = [unescape(v) for v in re.findall(r'name="start" value="([^"]+)"', page)]
                ticket = unescape(re.findall(r'name="altcha" value="([^"]+)"', page)[0])
                form = {"services": self.service, "persons": 1, "start": self.random.choice(starts), "altcha": ticket}
                status, headers, page = self.request("POST", f"/termine/{self.office}/reservieren/", form)
                if status == 302:
                    return headers["Location"]
            # 409: someone else took that time; 502: the web process died under the request. Choose again.
            assert status in {200, 409, 502}, f"hold answered {status}: {page[:500]}"
            deadline.check("a hold")

    def _until(self, deadline: "Deadline", method: str, path: str, form: dict) -> str:
        """Send until the page redirects; a 502 (the web process died meanwhile) is sent again, as a citizen
        presses the button again. Both steps are safe to repeat."""
        while True:
            status, headers, page = self.request(method, path, form)
            if status == 302:
                return headers["Location"]
            assert status == 502, f"{path} answered {status}: {page[:500]}"
            deadline.check(path)


class Deadline:
    """When the citizens give up: a limit against a hung run, or at once when the test has failed already."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def cancel(self) -> None:
        self.at = 0.0

    def check(self, what: str) -> None:
        assert time.monotonic() < self.at, f"gave up on {what}"

    def left(self) -> float:
        return max(self.at - time.monotonic(), 1.0)


# --- the test -----------------------------------------------------------------------------------------------


def test_bookings_survive_killed_web_and_worker_processes_of_the_documented_deployment(tmp_path):
    service = factories.service()
    office = factories.office(services=[service], counters=3, max_active_per_email=1)
    deployment = Deployment(tmp_path)
    ports = list(deployment.web_ports.values())
    folder = MailFolder(deployment.mail)
    lb = LoadBalancer(ports)
    confirmed: list[str] = []
    readiness_seen: list[tuple[int, dict]] = []
    deadline = Deadline(240)

    def wait_until_ready(what: str) -> None:
        try:
            wait_until(lambda: all(readiness(port)[0] == 200 for port in ports), seconds=120, what=what)
        except AssertionError as exc:  # say why: the processes' own words
            logs = "\n".join(f"--- {name}:\n{deployment.log(name)}" for name in deployment.processes)
            raise AssertionError(f"{exc}\n{logs}") from None

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis at {REDIS} is not running (.ci/run starts it; locally: redis-server --daemonize yes)")

    try:
        deployment.start("web-a", "web-b", "worker-1", "worker-2", "scheduler")
        wait_until_ready("both web processes to be ready")
        readiness_seen.append(readiness(ports[0]))

        citizens = [Citizen(n, lb, folder, office.slug, service.slug) for n in range(CITIZENS)]
        futures = []

        def confirmed_at_least(n: int) -> bool:
            for future in futures:
                if future.done() and future.exception():
                    raise future.exception()  # a citizen's own failure, not a timeout
            return len(confirmed) >= n

        with ThreadPoolExecutor(THREADS) as pool:
            futures += [pool.submit(citizen.book, deadline) for citizen in citizens]
            for future in futures:
                future.add_done_callback(lambda f: f.exception() or confirmed.append(f.result()))
            wait_until(lambda: confirmed_at_least(4), what="the first confirmed bookings")

            deployment.signal("web-a", signal.SIGKILL)
            deployment.signal("worker-1", signal.SIGKILL)
            before = len(confirmed)
            wait_until(lambda: confirmed_at_least(before + 3), what="bookings through web-b and worker-2 alone")

            # Stopping the last worker (as for an update) leaves none alive: the outbox still takes every
            # booking's mail, and /readyz says what an operator must know.
            deployment.signal("worker-2", signal.SIGTERM)
            readiness_seen.append(
                wait_until(
                    lambda: (found := readiness(ports[1]))[0] == 503 and found,
                    what="/readyz to notice that no worker is alive",
                )
            )
            deployment.start("web-a", "worker-1", "worker-2")
            wait_until_ready("/readyz to be ready again")
            readiness_seen.append(readiness(ports[0]))
            for future in futures:
                future.result(timeout=deadline.left())
        wait_until(lambda: not Message.objects.filter(status=Message.Status.PENDING).exists(), what="an empty outbox")

        # One address, alternating between the two web processes: the limit counts both together.
        probe = [
            forward(ports[i % 2], "GET", "/api/open/availability", headers={"X-Forwarded-For": "192.0.2.77"})
            for i in range(3 * FEED_LIMIT)
        ]
    except BaseException:
        deadline.cancel()  # the citizens stop at their next look instead of waiting out the limit
        raise
    finally:
        deployment.stop_all()
        deployment.forget_cache()

    ready_at_start, not_ready, ready_again = readiness_seen
    assert ready_at_start[1]["status"] == "ready" and ready_again[1]["status"] == "ready"
    assert not_ready[1]["checks"]["worker"] == "NotReady", not_ready
    assert not_ready[1]["checks"]["database"] == not_ready[1]["checks"]["cache"] == "ok"

    # No confirmed booking lost, none confirmed that a citizen did not see confirmed; no unit taken twice.
    assert sorted(confirmed) == sorted(citizen.email for citizen in citizens)
    in_database = Appointment.objects.filter(status=Appointment.Status.CONFIRMED)
    assert sorted(in_database.values_list("email", flat=True)) == sorted(confirmed)
    assert_booking_guarantee()

    # Every confirmation mail exactly once; nothing failed or left behind in the outbox.
    confirmations = [str(m["To"]) for m in folder.mails() if "bestätigt" in str(m["Subject"])]
    assert sorted(confirmations) == sorted(confirmed), "one confirmation mail per booking"
    assert not Message.objects.filter(status=Message.Status.FAILED).exists()
    for appointment in in_database:
        key = f"booking:{appointment.pk}:confirmed:{appointment.sequence}"
        assert Message.objects.get(key=key).status == Message.Status.SENT

    # The per-address limit held across both web processes (even requests went to web-a, odd ones to web-b):
    # FEED_LIMIT answers in all, then both refused.
    assert [status for status, _headers, _body in probe] == [200] * FEED_LIMIT + [429] * (2 * FEED_LIMIT)
