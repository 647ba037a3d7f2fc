"""A real streaming replica of the test database's cluster, for the session (tests/replica/server.py)."""

import pytest
from django.core.management import call_command
from django.db import connection

from enterprises.models import Region
from measures.models import PolicyDocument

from .server import ReplicaServer


@pytest.fixture(scope="session")
def replica_server(django_db_setup, django_db_blocker):
    """Started once the test database exists on the primary (the copy then holds it; later writes stream)."""
    with django_db_blocker.unblock():
        db = connection.settings_dict
    primary = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432), "user": db["USER"]}
    server = ReplicaServer(primary)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def catalogue(transactional_db):
    """The regions and the catalogue, for a transactional test (one before it may have flushed them)."""
    if not Region.objects.exists():
        call_command("load_regions", verbosity=0)
    if not PolicyDocument.objects.exists():
        call_command("load_catalogue", verbosity=0)
