"""Evidence: checked by content and size, stored with its checksum, downloadable only by those who may see it."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from measures.choices import Status
from measures.models import Evidence, Progress

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def first_progress(enterprise) -> Progress:
    return Progress.objects.filter(enterprise=enterprise).order_by("measure__position").first()


def edit_with_file(client, progress, upload, **values):
    data = {"status": Status.IN_PROGRESS, "percent": 50, "note": "", "version": progress.version, "evidence": upload}
    data.update(values)
    return client.post(reverse("measures:progress_edit", args=[progress.pk]), data, **HTMX)


def test_upload_with_an_edit_is_stored_with_checksum_under_the_enterprise(client, users, yn_enterprise, media):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])

    response = edit_with_file(client, progress, SimpleUploadedFile("动员会纪要.pdf", PDF))

    assert response.status_code == 200
    evidence = Evidence.objects.get(progress=progress)
    assert evidence.original_name == "动员会纪要.pdf"
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest() and evidence.size == len(PDF)
    assert evidence.content_type == "application/pdf" and evidence.uploaded_by == users["officer-yn"]
    assert evidence.file.name.startswith(f"evidence/{yn_enterprise.pk}/") and "动员会" not in evidence.file.name
    assert (media / evidence.file.name).read_bytes() == PDF
    html = response.content.decode()
    assert "动员会纪要.pdf" in html and reverse("measures:evidence_download", args=[evidence.pk]) in html
    assert "/media/" not in html
    timeline = client.get(reverse("measures:progress_history", args=[progress.pk]), **HTMX).content.decode()
    assert "上传证明材料" in timeline and "动员会纪要.pdf" in timeline


def test_renamed_executable_is_refused_and_nothing_is_saved(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])

    response = edit_with_file(client, progress, SimpleUploadedFile("证明.pdf", EXE))

    html = response.content.decode()
    assert "内容与扩展名" in html and 'id="error_1_id_evidence"' in html
    assert not Evidence.objects.exists()
    progress.refresh_from_db()
    assert progress.status == Status.NOT_STARTED and progress.version == 1  # the edit is not half-saved


def test_oversized_file_is_refused_with_the_limit(client, users, yn_enterprise, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])

    response = edit_with_file(client, progress, SimpleUploadedFile("大文件.pdf", PDF + b"0" * 4096))

    assert "文件过大" in response.content.decode() and "1.0" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("officer-yn", 200),
        ("sasac-yn", 200),
        ("enterprise-yn", 200),
        ("officer-sx", 404),
        ("sasac-sx", 404),
        ("enterprise-sx", 404),
    ],
)
def test_download_only_for_those_who_may_see_the_enterprise(client, users, yn_enterprise, role, status):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])
    edit_with_file(client, progress, SimpleUploadedFile("纪要.pdf", PDF))
    evidence = Evidence.objects.get()
    client.force_login(users[role])

    page = client.get(reverse("measures:evidence_download", args=[evidence.pk]))
    api = APIClient()
    api.force_authenticate(users[role])
    through_api = api.get(f"/api/evidence/{evidence.pk}/download/")

    assert page.status_code == status and through_api.status_code == status
    if status == 200:
        assert b"".join(page.streaming_content) == PDF
        assert "attachment" in page["Content-Disposition"] and page["Content-Type"] == "application/pdf"
        assert b"".join(through_api.streaming_content) == PDF


def test_anonymous_cannot_download(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])
    edit_with_file(client, progress, SimpleUploadedFile("纪要.pdf", PDF))
    evidence = Evidence.objects.get()
    client.logout()
    assert client.get(reverse("measures:evidence_download", args=[evidence.pk])).status_code == 302
    assert APIClient().get(f"/api/evidence/{evidence.pk}/download/").status_code in (401, 403)


def test_api_upload_and_listing(users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    api = APIClient()
    api.force_authenticate(users["officer-yn"])

    created = api.post(f"/api/progress/{progress.pk}/evidence/", {"file": SimpleUploadedFile("a.pdf", PDF)})

    assert created.status_code == 201
    assert created.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    listed = api.get(f"/api/progress/{progress.pk}/evidence/").json()
    assert [e["original_name"] for e in listed] == ["a.pdf"]
    assert api.get("/api/evidence/", {"progress": progress.pk}).json()["count"] == 1


def test_api_refuses_renamed_executable_and_oversized_file(users, yn_enterprise, settings):
    progress = first_progress(yn_enterprise)
    api = APIClient()
    api.force_authenticate(users["officer-yn"])

    renamed = api.post(f"/api/progress/{progress.pk}/evidence/", {"file": SimpleUploadedFile("x.docx", EXE)})
    settings.EVIDENCE_MAX_BYTES = 100
    big = api.post(f"/api/progress/{progress.pk}/evidence/", {"file": SimpleUploadedFile("x.pdf", PDF * 10)})

    assert renamed.status_code == 400 and "不符" in renamed.json()["file"][0]
    assert big.status_code == 400 and "文件过大" in big.json()["file"][0]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("officer-sx", 404), ("sasac-yn", 403), ("enterprise-yn", 403)])
def test_api_upload_refused_for_roles_that_may_not_edit(users, yn_enterprise, role, status):
    progress = first_progress(yn_enterprise)
    api = APIClient()
    api.force_authenticate(users[role])
    response = api.post(f"/api/progress/{progress.pk}/evidence/", {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == status
    assert not Evidence.objects.exists()
