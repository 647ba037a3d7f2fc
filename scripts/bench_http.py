"""Requests to the bench's gunicorn: signed-in clients (a session made directly in the database, or an API token),
one client's median, N clients' 95th percentile, and a download's first byte and total."""

import statistics
import threading
import time
from dataclasses import dataclass

import requests


@dataclass
class Client:
    """A user's credentials: the session cookie for pages, the token for the API."""

    base: str
    cookie: str
    token: str = ""

    def session(self) -> requests.Session:
        s = requests.Session()
        # The cookies are Secure under DEBUG=0: sent by hand over the loopback's plain HTTP.
        s.headers["Cookie"] = self.cookie
        if self.token:
            s.headers["Authorization"] = f"Token {self.token}"
        return s


def signed_in(base: str, user, with_token: bool = False) -> Client:
    """A session for `user` as the login form would leave it (no second factor asked: the bench's server has none
    required), and an API token when asked."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if _reads_users(b))
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
    token = ""
    if with_token:
        from reform_portal.accounts.services import token_issue

        _row, token = token_issue(user=user, name="bench")
    return Client(base=base, cookie=cookie, token=token)


def _reads_users(path: str) -> bool:
    """A backend a session can name (django-axes' backend only guards the login: it reads no user)."""
    from django.utils.module_loading import import_string

    return hasattr(import_string(path), "get_user")


def get_ok(session: requests.Session, url: str, **kwargs) -> requests.Response:
    response = session.get(url, allow_redirects=False, timeout=300, **kwargs)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def one_client(client: Client, path: str, n: int, warm: int = 1) -> list[float]:
    """Seconds of `n` GETs one after another (after `warm` not counted)."""
    s = client.session()
    for _ in range(warm):
        get_ok(s, client.base + path)
    times, response = [], None
    for _ in range(n):
        t = time.perf_counter()
        response = get_ok(s, client.base + path)
        times.append(time.perf_counter() - t)
    if response is not None:
        _size[path] = len(response.content)
    return times


_size: dict[str, int] = {}


def size_of(path: str) -> int:
    return _size.get(path, 0)


def many_clients(client: Client, path: str, clients: int, each: int) -> tuple[list[float], int]:
    """Seconds of every GET of `clients` threads each making `each` GETs at once; and the failures."""
    times, failures, lock = [], [0], threading.Lock()
    start = threading.Barrier(clients)

    def run():
        s = client.session()
        start.wait()
        for _ in range(each):
            t = time.perf_counter()
            try:
                get_ok(s, client.base + path)
                elapsed = time.perf_counter() - t
                with lock:
                    times.append(elapsed)
            except Exception:
                with lock:
                    failures[0] += 1

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failures[0]


def p95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0] if times else float("nan")
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def download(session: requests.Session, url: str) -> dict:
    """A GET read as it arrives: status, seconds to the first byte of the body, seconds in all, bytes, where a
    redirect points."""
    t = time.perf_counter()
    response = session.get(url, allow_redirects=False, stream=True, timeout=600)
    first, size = None, 0
    for chunk in response.iter_content(chunk_size=65536):
        if first is None:
            first = time.perf_counter() - t
        size += len(chunk)
    total = time.perf_counter() - t
    return {
        "status": response.status_code,
        "first_byte": first if first is not None else total,
        "total": total,
        "bytes": size,
        "location": response.headers.get("Location", ""),
        "type": response.headers.get("Content-Type", ""),
    }
