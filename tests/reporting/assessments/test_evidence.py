"""Evidence on the assessment form, on the pages and through the API: who may upload, download and delete, and
which files are refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from reporting.assessments import services
from reporting.assessments.models import AssessmentEvidence

from .conftest import fill_complete

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def pdf(name="培训记录.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def url(name, *args):
    return reverse(f"reporting:assessments:{name}", args=args)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def item_of(assessment, code="YN-02"):
    return assessment.items.select_related("measure", "assessment").get(measure__code=code)


@pytest.fixture
def draft_evidence(draft, users):
    return services.evidence_add(item=item_of(draft), upload=pdf(), by=users["enterprise-yn"])


@pytest.fixture
def submitted_evidence(draft_evidence, draft, users):
    fill_complete(draft, users["enterprise-yn"])
    services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    return draft_evidence


# pages


def test_enterprise_uploads_a_pdf_to_its_draft(client, draft, users):
    item = item_of(draft)
    client.force_login(users["enterprise-yn"])
    response = client.post(url("evidence_upload", draft.pk, item.pk), {"ev-YN-02-file": pdf()}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    evidence = AssessmentEvidence.objects.get(item=item)
    assert evidence.name == "培训记录.pdf" and evidence.content_type == "application/pdf"
    assert evidence.uploaded_by == users["enterprise-yn"]
    assert "培训记录.pdf" in response.content.decode()


def test_a_renamed_executable_is_refused_with_the_message(client, draft, users):
    item = item_of(draft)
    client.force_login(users["enterprise-yn"])
    response = client.post(
        url("evidence_upload", draft.pk, item.pk), {"ev-YN-02-file": pdf("制度.pdf", EXE_BYTES)}, HTTP_HX_REQUEST="true"
    )
    assert "改名" in response.content.decode()
    assert not AssessmentEvidence.objects.filter(item=item).exists()


def test_an_oversized_file_is_refused_with_the_message(client, draft, users, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    item = item_of(draft)
    client.force_login(users["enterprise-yn"])
    big = pdf("大文件.pdf", PDF_BYTES + b"0" * 2048)
    response = client.post(url("evidence_upload", draft.pk, item.pk), {"ev-YN-02-file": big}, follow=True)
    assert "文件过大" in response.content.decode()
    assert not AssessmentEvidence.objects.filter(item=item).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("enterprise-yn", 200),
        ("officer-yn", 200),
        ("sasac-yn", 200),
        ("enterprise-sx", 404),
        ("officer-sx", 404),
        ("sasac-sx", 404),
    ],
)
def test_download_of_submitted_evidence_by_role(client, submitted_evidence, users, role, status):
    client.force_login(users[role])
    response = client.get(url("evidence_download", submitted_evidence.item.assessment_id, submitted_evidence.pk))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_sasac_cannot_download_from_a_draft(client, draft_evidence, users):
    # drafts are invisible to SASAC staff, and so are their files
    client.force_login(users["sasac-yn"])
    assert client.get(url("evidence_download", draft_evidence.item.assessment_id, draft_evidence.pk)).status_code == 404
    client.force_login(users["officer-yn"])
    assert client.get(url("evidence_download", draft_evidence.item.assessment_id, draft_evidence.pk)).status_code == 200


def test_the_officer_cannot_upload_or_delete(client, draft, draft_evidence, users):
    item = item_of(draft)
    client.force_login(users["officer-yn"])
    response = client.post(url("evidence_upload", draft.pk, item.pk), {"ev-YN-02-file": pdf("另一份.pdf")})
    assert response.status_code == 403
    assert client.post(url("evidence_delete", draft.pk, draft_evidence.pk)).status_code == 403
    assert list(AssessmentEvidence.objects.filter(item=item)) == [draft_evidence]


def test_enterprise_deletes_from_its_draft_but_not_after_submission(client, draft, users):
    client.force_login(users["enterprise-yn"])
    first = services.evidence_add(item=item_of(draft), upload=pdf("一.pdf"), by=users["enterprise-yn"])
    response = client.post(url("evidence_delete", draft.pk, first.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and not AssessmentEvidence.objects.filter(pk=first.pk).exists()
    # given a file on the form when it is submitted
    second = services.evidence_add(item=item_of(draft), upload=pdf("二.pdf"), by=users["enterprise-yn"])
    fill_complete(draft, users["enterprise-yn"])
    services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    # when the enterprise tries to delete it, then it is refused with the reason and the file stays
    response = client.post(url("evidence_delete", draft.pk, second.pk), follow=True)
    assert "已提交" in response.content.decode()
    assert AssessmentEvidence.objects.filter(pk=second.pk).exists()


# API


def test_api_lists_an_items_evidence(draft, draft_evidence, users):
    services.evidence_add(item=item_of(draft, "YN-03"), upload=pdf("其他.pdf"), by=users["enterprise-yn"])
    response = api(users["enterprise-yn"]).get(f"/api/assessments/{draft.pk}/evidence/", {"measure": "YN-02"})
    assert response.status_code == 200
    assert [(e["id"], e["measure"], e["name"]) for e in response.json()] == [
        (draft_evidence.pk, "YN-02", "培训记录.pdf")
    ]
    assert len(api(users["enterprise-yn"]).get(f"/api/assessments/{draft.pk}/evidence/").json()) == 2


def test_api_upload_to_own_draft(draft, users):
    client = api(users["enterprise-yn"])
    response = client.post(
        f"/api/assessments/{draft.pk}/evidence/", {"measure": "YN-02", "file": pdf()}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["measure"] == "YN-02" and response.json()["name"] == "培训记录.pdf"
    assert AssessmentEvidence.objects.filter(item=item_of(draft), pk=response.json()["id"]).exists()


def test_api_upload_refuses_bad_files_with_the_message(draft, users, settings):
    client = api(users["enterprise-yn"])
    response = client.post(
        f"/api/assessments/{draft.pk}/evidence/",
        {"measure": "YN-02", "file": pdf("制度.pdf", EXE_BYTES)},
        format="multipart",
    )
    assert response.status_code == 400 and "改名" in response.json()["file"][0]
    settings.EVIDENCE_MAX_BYTES = 1024
    response = client.post(
        f"/api/assessments/{draft.pk}/evidence/",
        {"measure": "YN-02", "file": pdf("大.pdf", PDF_BYTES + b"0" * 2048)},
        format="multipart",
    )
    assert response.status_code == 400 and "文件过大" in response.json()["file"][0]
    response = client.post(f"/api/assessments/{draft.pk}/evidence/", {"file": pdf()}, format="multipart")
    assert response.status_code == 400 and "measure" in response.json()
    assert not AssessmentEvidence.objects.filter(item__assessment=draft).exists()


def test_api_upload_refused_by_role_and_state(submitted, users, yn_period):
    # the officer in charge may not upload (403), another enterprise does not see the form (404)
    body = {"measure": "YN-02", "file": pdf()}
    assert (
        api(users["officer-yn"])
        .post(f"/api/assessments/{submitted.pk}/evidence/", body, format="multipart")
        .status_code
        == 403
    )
    body = {"measure": "YN-02", "file": pdf()}
    assert (
        api(users["enterprise-sx"])
        .post(f"/api/assessments/{submitted.pk}/evidence/", body, format="multipart")
        .status_code
        == 404
    )
    # and the enterprise cannot add to a submitted form
    body = {"measure": "YN-02", "file": pdf()}
    response = api(users["enterprise-yn"]).post(f"/api/assessments/{submitted.pk}/evidence/", body, format="multipart")
    assert response.status_code == 409 and "已提交" in response.json()["detail"]
    assert not AssessmentEvidence.objects.filter(item__assessment=submitted).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("enterprise-yn", 200),
        ("officer-yn", 200),
        ("sasac-yn", 200),
        ("enterprise-sx", 404),
        ("officer-sx", 404),
        ("sasac-sx", 404),
    ],
)
def test_api_download_by_role(submitted_evidence, users, role, status):
    pk = submitted_evidence.item.assessment_id
    response = api(users[role]).get(f"/api/assessments/{pk}/evidence/{submitted_evidence.pk}/download/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF_BYTES
        listed = api(users[role]).get(f"/api/assessments/{pk}/evidence/").json()
        assert [e["id"] for e in listed] == [submitted_evidence.pk]


def test_api_sasac_cannot_list_or_download_a_drafts_evidence(draft_evidence, users):
    pk = draft_evidence.item.assessment_id
    sasac = api(users["sasac-yn"])
    assert sasac.get(f"/api/assessments/{pk}/evidence/").status_code == 404
    assert sasac.get(f"/api/assessments/{pk}/evidence/{draft_evidence.pk}/download/").status_code == 404
