"""A Redis server of the test's own (ports 6390-6399), which a test may kill and start again, with the portal's cache
and Celery broker pointed at it."""

import socket
import subprocess
import time

import pytest
import redis

from reform_portal import resilient_cache
from reform_portal.outbox import services as outbox

PORTS = range(6390, 6400)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 6390-6399 for the test's Redis")


class RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"redis-server on {self.port} did not start")
                time.sleep(0.05)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


def reset_breakers():
    resilient_cache._circuits.clear()
    outbox._down_until[0] = 0.0


@pytest.fixture
def own_redis(settings):
    """The test's Redis, serving as the cache (the portal's resilient backend, circuit of 1 s so a test sees it close
    again) and as the Celery broker of this process."""
    from reform_portal.celery import app

    server = RedisServer(_free_port()).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "reform_portal.resilient_cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"CIRCUIT_SECONDS": 1},
        }
    }
    previous = app.conf.broker_url
    app.conf.broker_url = server.url
    reset_breakers()
    yield server
    server.kill()
    app.conf.broker_url = previous
    reset_breakers()
