"""A PostgreSQL restart (here: the server ends the portal's pooled connection) costs a reconnect, not a 500: persistent
connections are health-checked before a request reuses them (CONN_HEALTH_CHECKS)."""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client, RequestFactory

from enterprises.models import Region
from tests.factories import make_officer

pytestmark = pytest.mark.django_db(transaction=True)


def _status(path: str, cookie: str) -> int:
    """One request through Django's WSGI handler, as gunicorn makes it (request_started/finished and all)."""
    environ = RequestFactory().get(path).environ
    environ["HTTP_COOKIE"] = cookie
    status = []
    body = WSGIHandler()(environ, lambda line, headers, exc_info=None: status.append(line))
    b"".join(body)
    body.close()
    return int(status[0].split()[0])


def _end_the_pooled_connection():
    """What a PostgreSQL restart does to the connection the portal keeps between requests."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")  # a second connection, as an administrator's would be
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0]
    finally:
        other.close()


def _after_restart(cookie: str) -> int:
    connection.close()
    assert _status("/", cookie) == 200  # the connection is now pooled (CONN_MAX_AGE > 0)
    _end_the_pooled_connection()
    return _status("/", cookie)


def test_a_request_after_a_database_restart_is_answered(settings):
    # given the setting, a persistent connection and a signed-in officer
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    connection.settings_dict["CONN_MAX_AGE"] = 60
    if not Region.objects.filter(code="530100").exists():  # a transactional test before this one flushed them
        call_command("load_regions", verbosity=0)
    browser = Client()
    browser.force_login(make_officer("db-restart-officer", regions=[Region.objects.get(code="530100")]))
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    try:
        # when the server ends the pooled connection, then the next request is answered all the same
        assert _after_restart(cookie) == 200
        # (without the health check, that request is the 500 the finding saw)
        connection.settings_dict["CONN_HEALTH_CHECKS"] = False
        assert _after_restart(cookie) == 500
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
        connection.close()
