"""Real Redis processes for the cache tests, started in a temporary directory and stopped afterwards.

The tests that need Redis fail (never skip) when redis-server is missing: the Redis cache is what production
runs, so a machine that cannot test it must say so (.ci/run installs it; `apt-get install redis-server`).
A sentinel is the same binary with `--sentinel`."""

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: the Redis cache tests need it (apt-get install redis-server)")
    return binary


def _wait(process: subprocess.Popen, log: Path, ready, what: str, seconds: float = 30) -> None:
    """Poll `ready()` until it is true; a deadline against a hung start, not a speed requirement."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(redis.RedisError, OSError):
            if ready():
                return
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not come up:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)


@contextlib.contextmanager
def _running(args: list[str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def redis_server(directory: Path, *, unix_socket: bool = False) -> Iterator[dict]:
    """A throw-away Redis without persistence; yields {"port": …} or {"socket": path} to reach it."""
    directory.mkdir(parents=True, exist_ok=True)
    args = [redis_server_binary(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)]
    if unix_socket:
        path = directory / "redis.sock"
        args += ["--port", "0", "--unixsocket", str(path), "--unixsocketperm", "700"]
        address: dict[str, Path | int] = {"socket": path}
        client = redis.Redis(unix_socket_path=str(path))
    else:
        port = free_port()
        args += ["--port", str(port)]
        address, client = {"port": port}, redis.Redis(host="127.0.0.1", port=port)
    with _running(args, directory / "redis.log") as process:
        _wait(process, directory / "redis.log", client.ping, "redis-server")
        yield address


@contextlib.contextmanager
def sentinel(directory: Path, *, primary_port: int, service: str) -> Iterator[int]:
    """A Redis Sentinel watching the primary on 127.0.0.1:`primary_port` as `service`; yields its port."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = directory / "sentinel.conf"  # a sentinel rewrites its configuration file: it must be its own
    conf.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor {service} 127.0.0.1 {primary_port} 1\n")
    client = redis.Redis(host="127.0.0.1", port=port)
    with _running([redis_server_binary(), str(conf), "--sentinel"], directory / "sentinel.log") as process:
        _wait(
            process,
            directory / "sentinel.log",
            lambda: client.sentinel_get_master_addr_by_name(service),
            "redis sentinel",
        )
        yield port
