"""What every page costs before its own content (docs/performance/lists.md, "Per-request cost"): the session, its
user, the login gate's account state (with "has a confirmed device", one statement), the user's reach (the profile
with its enterprise and province, one statement; an officer's charge, one more) and nothing else — the menu, the
context processors and base.html read nothing of their own. The API token list is the plainest page (one query of
its own); each role's bound fails if a per-page query is added back."""

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db

# session, user, account state, profile; + the officer's charge; + the page's own query (the user's tokens)
FIXED = 4
OWN = 1
EXPECTED = {"admin": FIXED + OWN, "sasac-yn": FIXED + OWN, "enterprise-yn": FIXED + OWN, "officer-yn": FIXED + 1 + OWN}


def statements_of(client, path) -> list[str]:
    seen = []

    def note(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        response = client.get(path)
    assert response.status_code == 200, response
    return seen


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_a_plain_page_reads_only_the_session_the_user_and_the_users_reach(users, role):
    client = Client()
    client.force_login(users[role])
    client.get("/account/tokens/")  # the session limits note the session's start once (a write)

    statements = statements_of(client, "/account/tokens/")

    assert len(statements) == EXPECTED[role], "\n".join(s[:150] for s in statements)
    tables = " ".join(statements)
    for table in ("django_session", "auth_user", "accounts_accountstate", "enterprises_profile", "accounts_apitoken"):
        assert table in tables
