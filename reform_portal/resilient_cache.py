"""A Redis cache that a Redis outage turns into a cache miss, not a 500.

Django's RedisCache raises on every call while Redis is unreachable, and waits for the socket's timeouts first. Here
each call that fails to reach Redis is logged and answered as a miss (`get` gives the default, `add` False, writes
do nothing), so pages compute their figures from the database. A circuit breaker, per process and Redis location,
then skips Redis altogether for `CIRCUIT_SECONDS`: a down Redis costs one short timeout per process that often, not
one per cache call. After that time one call tries again (the others still skip) and, if it succeeds, closes the
circuit.

OPTIONS: `CIRCUIT_SECONDS` (default 30) and the redis-py connection options; `socket_connect_timeout` and
`socket_timeout` default to 0.5 s, and a failed command is retried once at once (a pooled connection broken by a
Redis restart then reconnects) with no backoff.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
DEFAULT_SOCKET_TIMEOUT = 0.5
DEFAULT_CIRCUIT_SECONDS = 30.0


class Circuit:
    """Open (skip Redis) for `seconds` after a failure; then one caller at a time may try again."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.open_until = 0.0
        self.failed = False
        self._lock = threading.Lock()

    def allows(self) -> bool:
        if not self.failed:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self.open_until:
                return False
            self.open_until = now + self.seconds  # this caller tries; the others keep skipping meanwhile
            return True

    def failure(self, location: str, exc: Exception) -> None:
        with self._lock:
            if not self.failed:
                log.warning("cache: Redis at %s unreachable (%r); caching off for %ss", location, exc, self.seconds)
            self.failed = True
            self.open_until = time.monotonic() + self.seconds

    def success(self, location: str) -> None:
        if self.failed:
            with self._lock:
                if self.failed:
                    log.warning("cache: Redis at %s reachable again; caching on", location)
                self.failed = False


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def circuit_for(location: str, seconds: float) -> Circuit:
    """The process's circuit of one Redis location (shared by the threads' cache instances)."""
    with _circuits_lock:
        circuit = _circuits.get(location)
        if circuit is None:
            circuit = _circuits[location] = Circuit(seconds)
        return circuit


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis-py client for every cache call (0.16 ms here: redis-py copies its table of
    command callbacks), more than the call's round trip; one client per connection pool is kept instead (a redis-py
    client is safe to share between threads: each command takes a connection from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        seconds = float(options.pop("CIRCUIT_SECONDS", DEFAULT_CIRCUIT_SECONDS))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("retry", Retry(NoBackoff(), 1))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = KeptClientRedisCacheClient
        self._location = ",".join(self._servers)
        self.circuit = circuit_for(self._location, seconds)

    def _call(self, method, miss, *args, **kwargs):
        if not self.circuit.allows():
            return miss
        try:
            result = method(*args, **kwargs)
        except UNREACHABLE as exc:
            self.circuit.failure(self._location, exc)
            return miss
        self.circuit.success(self._location)
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        # as if the counter had just been created: a rate counted in Redis is not counted during an outage
        return self._call(super().incr, delta, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        return self._call(super().clear, False)
