"""Each kind of security-relevant event is on record, with who, from where and on what: logins, failed logins (the
username tried, never the password), logouts, lockouts, refusals (403) on pages and the API, exports, evidence
downloads and administrative changes."""

import json

import pytest
from axes.utils import reset
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from measures import services as measure_services
from measures.models import Progress
from reform_portal.audit import choices
from reform_portal.audit.models import AuditEntry
from reform_portal.audit.services import verify
from reporting.assessments import services as assessment_services
from tests.factories import PASSWORD, open_period

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def axes_clean(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    reset()
    yield
    reset()


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def only(action: str) -> AuditEntry:
    found = entries(action)
    assert len(found) == 1, [(e.action, e.path, e.details) for e in AuditEntry.objects.all()]
    return found[0]


def test_a_login_a_failed_login_and_a_logout_are_recorded(client, users):
    officer = users["officer-yn"]
    # when
    client.post("/login/", {"username": officer.username, "password": "Wrong-password-1"}, HTTP_USER_AGENT="UA/1")
    client.post("/login/", {"username": officer.username, "password": PASSWORD}, REMOTE_ADDR="10.2.3.4")
    client.post("/logout/")
    # then
    failed = only(choices.LOGIN_FAILED)
    assert (failed.user_id, failed.details, failed.ip, failed.user_agent) == (
        None,
        {"username": officer.username},
        "127.0.0.1",
        "UA/1",
    )
    assert "Wrong-password-1" not in json.dumps([e.details for e in AuditEntry.objects.all()])
    login = only(choices.LOGIN)
    assert (login.user_id, login.username, login.ip, login.path) == (
        officer.pk,
        officer.username,
        "10.2.3.4",
        "/login/",
    )
    logout = only(choices.LOGOUT)
    assert (logout.user_id, logout.path) == (officer.pk, "/logout/")
    assert verify()[1] is None


def test_the_client_address_comes_from_the_trusted_proxy_header_only_when_one_is_set(client, users, settings):
    officer = users["officer-yn"]
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7", "REMOTE_ADDR": "10.0.0.2"}
    client.post("/login/", {"username": officer.username, "password": "nope-1"}, **forwarded)
    settings.AUDIT_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    client.post("/login/", {"username": officer.username, "password": "nope-2"}, **forwarded)
    assert [e.ip for e in entries(choices.LOGIN_FAILED)] == ["10.0.0.2", "198.51.100.7"]


def test_a_lockout_is_recorded(client, users):
    officer = users["officer-yn"]
    statuses = [
        client.post("/login/", {"username": officer.username, "password": f"x{i}"}).status_code for i in range(4)
    ]
    assert statuses[-1] == 429
    # axes signals the lockout at the failure that reaches the limit, and again for each attempt while locked
    lockouts = entries(choices.LOCKED_OUT)
    assert len(lockouts) >= 1 and {e.details["username"] for e in lockouts} == {officer.username}
    # the third failure locks: axes' receiver signals the lockout before ours records that failure
    assert AuditEntry.objects.filter(action=choices.LOGIN_FAILED, id__lt=lockouts[0].id).count() == 2
    assert len(entries(choices.LOGIN_FAILED)) >= 3


def test_a_failed_token_request_is_recorded(client, users):
    client.post("/api/auth/token/", {"username": "nobody-here", "password": "secret-x"})
    assert only(choices.LOGIN_FAILED).details == {"username": "nobody-here"}


def test_a_refused_page_is_recorded_with_who_and_what(client, users, yn_enterprise):
    client.force_login(users["enterprise-yn"])
    response = client.get(reverse("enterprises:list") + "?q=机械")
    assert response.status_code == 403
    refusal = only(choices.PERMISSION_DENIED)
    assert (refusal.user_id, refusal.method, refusal.path) == (users["enterprise-yn"].pk, "GET", "/enterprises/")
    assert refusal.details == {"view": "enterprises:list"}


def test_a_refused_api_call_is_recorded_with_the_object_it_named(users, yn_enterprise):
    api = APIClient()
    api.force_authenticate(users["sasac-yn"])
    response = api.patch(f"/api/enterprises/{yn_enterprise.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    refusal = only(choices.PERMISSION_DENIED)
    assert (refusal.user_id, refusal.method) == (users["sasac-yn"].pk, "PATCH")
    assert refusal.details["object"] == {"pk": str(yn_enterprise.pk)}


def test_an_answer_that_is_not_a_refusal_records_nothing(client, users):
    client.force_login(users["officer-yn"])
    assert client.get(reverse("enterprises:list")).status_code == 200
    assert client.get("/enterprises/999999999/").status_code == 404
    assert not AuditEntry.objects.filter(action=choices.PERMISSION_DENIED).exists()


def test_exports_are_recorded_with_their_filters(client, users, yn_enterprise):
    officer = users["officer-yn"]
    client.force_login(officer)
    assert client.get(reverse("enterprises:export"), {"q": "机械", "page": "", "status": ["a", "b"]}).status_code == 200
    export = only(choices.EXPORT)
    assert (export.user_id, export.path) == (officer.pk, reverse("enterprises:export"))
    assert export.details == {"what": "enterprises", "filters": {"q": "机械", "status": ["a", "b"]}}


def test_the_assessment_pdf_and_workbook_are_recorded(client, users, yn_enterprise, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    assessment = assessment_services.assessment_start(
        period=period, enterprise=yn_enterprise, by=users["enterprise-yn"]
    )
    client.force_login(users["officer-yn"])
    assert client.get(reverse("reporting:assessments:xlsx", args=[assessment.pk])).status_code == 200
    export = only(choices.EXPORT)
    assert (export.details["what"], export.target_id, export.target_repr) == (
        "assessment_xlsx",
        str(assessment.pk),
        str(assessment),
    )


def test_evidence_downloads_are_recorded_on_the_page_and_the_api(client, users, yn_enterprise, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    progress = Progress.objects.filter(enterprise=yn_enterprise).order_by("pk").first()
    evidence = measure_services.evidence_add(
        progress=progress, upload=SimpleUploadedFile("制度.pdf", PDF), by=users["officer-yn"]
    )
    client.force_login(users["officer-yn"])
    assert client.get(reverse("measures:evidence_download", args=[evidence.pk])).status_code == 200
    api = APIClient()
    api.force_authenticate(users["enterprise-yn"])
    assert api.get(f"/api/evidence/{evidence.pk}/download/").status_code == 200
    downloads = entries(choices.DOWNLOAD)
    assert [(d.user_id, d.target_id, d.target_repr, d.details["what"]) for d in downloads] == [
        (users["officer-yn"].pk, str(evidence.pk), "制度.pdf", "evidence"),
        (users["enterprise-yn"].pk, str(evidence.pk), "制度.pdf", "evidence"),
    ]


def test_administrative_changes_are_recorded_one_by_one(client, users):
    admin = users["admin"]
    client.force_login(admin)
    # when: a group added, then two deleted at once with the admin's "delete selected" action
    assert client.post(reverse("admin:auth_group_add"), {"name": "审计员"}).status_code == 302
    other = Group.objects.create(name="临时组")
    ids = [str(pk) for pk in Group.objects.values_list("pk", flat=True)]
    response = client.post(
        reverse("admin:auth_group_changelist"), {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302 and not Group.objects.exists()
    # then
    changes = entries(choices.ADMIN_CHANGE)
    assert [(c.user_id, c.details["operation"], c.details["model"], c.details["object"]) for c in changes] == [
        (admin.pk, "add", "auth.group", "审计员"),
        *sorted(
            [(admin.pk, "delete", "auth.group", "审计员"), (admin.pk, "delete", "auth.group", other.name)],
            key=lambda c: c[3] != changes[1].details["object"],
        ),
    ]
    assert {c.ip for c in changes} == {"127.0.0.1"} and changes[0].path == reverse("admin:auth_group_add")


def test_a_refusal_stays_on_record_when_the_refusing_views_work_is_rolled_back(rf, users):
    from django.core.exceptions import PermissionDenied
    from django.db import transaction
    from django.http import HttpResponseForbidden

    from reform_portal.audit.middleware import AuditRequestMiddleware

    def view(request):
        try:
            with transaction.atomic():
                Group.objects.create(name="半途而废")
                raise PermissionDenied
        except PermissionDenied:
            return HttpResponseForbidden()

    request = rf.post("/enterprises/1/edit/")
    request.user = users["officer-yn"]
    assert AuditRequestMiddleware(view)(request).status_code == 403
    assert not Group.objects.exists()
    refusal = only(choices.PERMISSION_DENIED)
    assert (refusal.user_id, refusal.method, refusal.details["object"]) == (users["officer-yn"].pk, "POST", {"pk": "1"})
