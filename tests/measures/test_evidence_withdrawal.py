"""A wrong evidence file is withdrawn by the officer in charge with a reason: it is no longer offered as the record's
evidence (page, API), while the file, its row and the withdrawal (who, when, why) stay in the history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from measures.models import Evidence, EvidenceEvent, Progress
from measures.services import evidence_add, evidence_withdraw
from reform_portal.access import EnterprisePolicy
from reform_portal.choices import ChangeSource

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASON = "误传了其他企业的文件"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def progress(yn_enterprise):
    return Progress.objects.filter(enterprise=yn_enterprise).order_by("measure__position").first()


@pytest.fixture
def files(progress, users):
    """Two files on the record: the wrong one and a right one."""
    wrong = evidence_add(
        progress=progress, upload=SimpleUploadedFile("党建工作计划2025.pdf", PDF), by=users["officer-yn"]
    )
    right = evidence_add(
        progress=progress, upload=SimpleUploadedFile("党建工作计划2026.pdf", PDF), by=users["officer-yn"]
    )
    return wrong, right


def evidence_list(html: str) -> str:
    """The enterprise page's list of the record's current files."""
    start = html.index("evidence-list")
    return html[start : html.index("</ul>", start)]


def test_the_officer_withdraws_a_file_with_a_reason_and_it_stays_in_the_history(
    client, users, yn_enterprise, progress, files, media
):
    # given
    wrong, right = files
    officer = users["officer-yn"]
    client.force_login(officer)
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    withdraw_url = reverse("measures:evidence_withdraw", args=[wrong.pk])
    assert f'href="{withdraw_url}"' in page  # the button beside the file
    confirm = client.get(withdraw_url)
    assert confirm.status_code == 200 and "党建工作计划2025.pdf" in confirm.content.decode()

    # when
    response = client.post(withdraw_url, {"reason": f"  {REASON} "})

    # then: back on the enterprise page, the file no longer offered as evidence, the other one still
    assert response.status_code == 302 and response.url.endswith(f"#progress-{progress.pk}")
    wrong.refresh_from_db()
    assert (wrong.withdrawn_by, wrong.withdrawal_reason) == (officer, REASON) and wrong.withdrawn_at is not None
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert "已撤回证明材料“党建工作计划2025.pdf”" in page
    listed = evidence_list(page)
    assert "党建工作计划2026.pdf" in listed and "党建工作计划2025.pdf" not in listed
    assert list(Evidence.objects.current().filter(progress=progress)) == [right]
    # the file and its row stay, still downloadable from the history
    assert (media / wrong.file.name).read_bytes() == PDF
    assert client.get(reverse("measures:evidence_download", args=[wrong.pk])).status_code == 200
    # the database recorded the withdrawal: who, from where, why
    event = EvidenceEvent.objects.get(pgh_obj=wrong, pgh_label="update")
    assert (event.changed_by, event.source, event.withdrawal_reason, event.comment) == (
        officer,
        ChangeSource.MANUAL,
        REASON,
        REASON,
    )
    assert event.old_withdrawn_at is None and event.withdrawn_at == wrong.withdrawn_at
    timeline = client.get(reverse("measures:progress_history", args=[progress.pk])).content.decode()
    assert "撤回证明材料" in timeline and REASON in timeline and "已撤回" in timeline
    feed = client.get(reverse("enterprises:history", args=[yn_enterprise.pk]), {"kind": "evidence"}).content.decode()
    assert "撤回证明材料" in feed and f"撤回原因：{REASON}" in feed and "党建工作计划2025.pdf" in feed


def test_a_reason_is_required_and_a_file_is_withdrawn_once(client, users, files):
    wrong, _right = files
    client.force_login(users["officer-yn"])
    url = reverse("measures:evidence_withdraw", args=[wrong.pk])

    blank = client.post(url, {"reason": "   "})

    assert blank.status_code == 400 and "请填写撤回原因" in blank.content.decode()
    wrong.refresh_from_db()
    assert wrong.withdrawn_at is None and not EvidenceEvent.objects.filter(pgh_obj=wrong, pgh_label="update").exists()

    assert client.post(url, {"reason": REASON}).status_code == 302
    again = client.post(url, {"reason": "再撤回一次"})
    assert again.status_code == 400 and "已于" in again.content.decode()  # the page says when and why it was
    with pytest.raises(ValidationError):
        evidence_withdraw(evidence=wrong, by=users["officer-yn"], reason="再撤回一次")
    assert EvidenceEvent.objects.filter(pgh_obj=wrong, pgh_label="update").count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("enterprise-yn", 403),  # the enterprise sees the file but may not withdraw the officer's record
        ("sasac-yn", 403),
        ("officer-sx", 404),  # out of scope: not revealed
        ("enterprise-sx", 404),
    ],
)
def test_who_may_not_withdraw_is_refused(client, users, files, role, status):
    wrong, _right = files
    client.force_login(users[role])
    url = reverse("measures:evidence_withdraw", args=[wrong.pk])

    assert client.get(url).status_code == status
    assert client.post(url, {"reason": REASON}).status_code == status

    wrong.refresh_from_db()
    assert wrong.withdrawn_at is None
    with pytest.raises(PermissionDenied):
        evidence_withdraw(evidence=wrong, by=users[role], reason=REASON)


def test_the_policy_decides_in_one_place(users, yn_enterprise):
    may = {
        role: EnterprisePolicy.can(u, EnterprisePolicy.WITHDRAW_EVIDENCE, yn_enterprise) for role, u in users.items()
    }
    assert may == {
        "admin": True,
        "officer-yn": True,
        "officer-sx": False,
        "sasac-yn": False,
        "sasac-sx": False,
        "enterprise-yn": False,
        "enterprise-sx": False,
    }


def test_the_enterprise_page_offers_no_withdraw_button_to_the_enterprise(client, users, yn_enterprise, files):
    client.force_login(users["enterprise-yn"])
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert "党建工作计划2025.pdf" in page and "evidence-withdraw" not in page


def test_the_api_withdraws_and_lists_only_current_files(users, progress, files):
    wrong, right = files
    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    url = f"/api/evidence/{wrong.pk}/withdraw/"

    assert api.post(url, {}, format="json").status_code == 400
    response = api.post(url, {"reason": REASON}, format="json")

    assert response.status_code == 200
    assert response.data["withdrawal_reason"] == REASON and response.data["withdrawn_at"]
    current = api.get(f"/api/progress/{progress.pk}/evidence/").data
    assert [e["id"] for e in current] == [right.pk]
    listed = api.get("/api/evidence/", {"progress": progress.pk}).data["results"]
    assert [e["id"] for e in listed] == [right.pk]
    withdrawn = api.get("/api/evidence/", {"progress": progress.pk, "withdrawn": "true"}).data["results"]
    assert [e["id"] for e in withdrawn] == [wrong.pk]
    assert api.get(f"/api/evidence/{wrong.pk}/").status_code == 200  # read by its id, as its history shows it
    assert api.post(url, {"reason": REASON}, format="json").status_code == 400  # withdrawn once


@pytest.mark.parametrize(("role", "status"), [("enterprise-yn", 403), ("sasac-yn", 403), ("officer-sx", 404)])
def test_the_api_refuses_who_may_not_withdraw(users, files, role, status):
    wrong, _right = files
    api = APIClient()
    api.force_authenticate(users[role])

    response = api.post(f"/api/evidence/{wrong.pk}/withdraw/", {"reason": REASON}, format="json")

    assert response.status_code == status
    wrong.refresh_from_db()
    assert wrong.withdrawn_at is None
