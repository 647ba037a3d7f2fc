"""Property-based run of schemathesis over the whole OpenAPI schema: no input makes a server error, and every answer
is one the schema declares (its status code, its content type and its body's schema), so that a client generated
from the schema can read whatever the API answers."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema():
    # Like Django's test client: keep the test's connection (and transaction) open across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["officer-yn", "enterprise-sx"])
def test_no_input_makes_a_server_error(api_schema, users, role):
    from reform_portal.accounts.services import token_issue

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8

    headers = {}
    for operation in operations:
        # a token per operation: DELETE /api/auth/token/ revokes the one it is sent with
        headers["Authorization"] = f"Token {token_issue(user=users[role])[1]}"

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
