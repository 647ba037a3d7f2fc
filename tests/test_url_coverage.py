"""A net under every route: nothing but the login page, the language switch and the API's
schema/docs/token answers an anonymous visitor, whatever the URL's arguments: placeholder ids for every pattern
(format suffixes included), and real rows for every named route."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "logout", "set_language", "api-token", "api-schema", "api-docs", "javascript-catalog"}


def routes(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        pattern = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if pattern.startswith("admin/"):
                continue  # the admin has its own login (tested in test_admin_pages)
            yield from routes(p.url_patterns, pattern)
        elif isinstance(p, URLPattern):
            yield pattern, p.name


def concrete(pattern: str) -> str:
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)  # DRF's regex routes
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<(?:slug|str|path):\w+>", "x", path)
    path = re.sub(r"<\w+>", "1", path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("(?P<format>[a-z0-9]+)/?", "json")
    return "/" + path


ALL_ROUTES = sorted({(concrete(p), name) for p, name in routes() if name not in PUBLIC})


def test_route_list_is_not_empty():
    assert len(ALL_ROUTES) > 40


@pytest.mark.parametrize(("path", "name"), ALL_ROUTES, ids=[f"{n}:{p}" for p, n in ALL_ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused_everywhere(client, path, name, method):
    response = getattr(client, method)(path)
    if response.status_code == 302:
        assert "/login/" in response.url, f"{path} redirects to {response.url}"
    else:
        assert response.status_code in (401, 403, 404, 405), f"{method.upper()} {path} answered {response.status_code}"


def test_anonymous_is_sent_to_log_in_for_real_objects(client, users, yn_enterprise, settings, tmp_path):
    """Every named route, with REAL rows in its URL (tests/test_role_matrix.py's), so a page that lost its login
    check answers something else than the login page - a 404 for a row the visitor cannot see, a 200 for the
    catalogue - and fails here; the placeholder ids above could not tell that 404 from a refusal."""
    from django.db import transaction

    from tests.test_role_matrix import CASES, EXPECTED, build_objects, url_of

    settings.MEDIA_ROOT = tmp_path / "media"
    o = build_objects(users, yn_enterprise, side="yn")
    wrong = []
    for name, method in CASES:
        url = url_of(name, o)
        kwargs = {"content_type": "application/json"} if method == "PATCH" else {}
        with transaction.atomic():
            response = getattr(client, method.lower())(url, {} if method != "PATCH" else "{}", **kwargs)
            transaction.set_rollback(True)
        status = response.status_code
        if set(EXPECTED[name][method].split()) == {"405"}:  # the method is refused to everyone
            ok = status in (302, 401, 403, 405)
        elif name.startswith("api-"):
            ok = status in (401, 403)
        else:
            ok = status == 302 and "/login/" in response["Location"]
        if not ok:
            wrong.append(f"{method} {url} ({name}): {status}")
    assert not wrong, "anonymous visitors not sent to log in:\n" + "\n".join(wrong)
