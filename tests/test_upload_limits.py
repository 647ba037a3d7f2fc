"""A request over its upload limit is refused before anything of it is stored (reform_portal/request_limits.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from measures.choices import Status
from measures.models import Evidence, Progress
from reform_portal.request_limits import RequestSizeLimitMiddleware

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
KB = 1024
BOUNDARY = "----limit"


class BodyStream:
    """A request body produced on demand (never held whole) that counts what the server read of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()

    def read(self, n=-1):
        n = self.size - self.read_bytes if n is None or n < 0 else min(n, self.size - self.read_bytes)
        start, self.read_bytes = self.read_bytes, self.read_bytes + n
        out = self.head[start : start + n]
        return out + b"0" * (n - len(out))

    def readline(self, n=-1):
        return self.read(n if n and n > 0 else 64 * KB)


@pytest.fixture
def stores(settings, tmp_path):
    """Where an upload could land: Django's temporary files and the media root; both must stay empty."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "uploads").mkdir()
    return [tmp_path / "uploads", tmp_path / "media"]


def nothing_in(stores) -> bool:
    return not any(p.is_file() for store in stores if store.exists() for p in store.rglob("*"))


def first_progress(enterprise) -> Progress:
    return Progress.objects.filter(enterprise=enterprise).order_by("measure__position").first()


def test_a_300_mb_request_is_refused_with_413_before_it_is_read_or_stored(client, users, yn_enterprise, stores):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])
    body = BodyStream(300 * MB)

    response = client.generic(
        "POST",
        reverse("measures:progress_edit", args=[progress.pk]),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "文件过大" in response.content.decode() and "20.0" in response.content.decode()
    assert body.read_bytes == 0  # refused on the declared length: not one byte of the body was read
    assert nothing_in(stores) and not Evidence.objects.exists()
    progress.refresh_from_db()
    assert progress.version == 1

    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    body = BodyStream(300 * MB)
    through_api = api.generic(
        "POST",
        f"/api/progress/{progress.pk}/evidence/",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )
    assert through_api.status_code == 413 and through_api.json()["code"] == "too_large"
    assert body.read_bytes == 0 and nothing_in(stores)


def test_the_import_has_its_own_limit(client, users, yn_enterprise, settings, stores):
    settings.IMPORT_MAX_BYTES = 1 * MB
    client.force_login(users["officer-yn"])
    two_mb_pdf = b"%PDF-1.4\n" + b"0" * (2 * MB)

    to_import = client.post(reverse("enterprises:import"), {"file": SimpleUploadedFile("名录.xlsx", two_mb_pdf)})
    progress = first_progress(yn_enterprise)
    as_evidence = client.post(
        reverse("measures:progress_edit", args=[progress.pk]),
        {
            "status": Status.IN_PROGRESS,
            "percent": 50,
            "note": "",
            "version": progress.version,
            "evidence": SimpleUploadedFile("纪要.pdf", two_mb_pdf),
        },
        HTTP_HX_REQUEST="true",
    )

    assert to_import.status_code == 413 and "1.0" in to_import.content.decode()
    assert as_evidence.status_code == 200 and Evidence.objects.get().size == len(two_mb_pdf)


def test_a_file_past_its_limit_is_dropped_as_it_streams_and_the_form_says_why(
    client, users, yn_enterprise, settings, stores, monkeypatch
):
    settings.EVIDENCE_MAX_BYTES = 64 * KB
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file through a temporary file, the store to watch
    written = []
    keep = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        written.append(len(raw_data))
        return keep(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])

    response = client.post(
        reverse("measures:progress_edit", args=[progress.pk]),
        {
            "status": Status.IN_PROGRESS,
            "percent": 50,
            "note": "",
            "version": progress.version,
            "evidence": SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * (200 * KB)),
        },
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200 and "文件过大" in html and "64.0" in html  # next to the field, as before
    assert sum(written) <= 64 * KB  # nothing past the limit reached a file
    assert nothing_in(stores) and not Evidence.objects.exists()
    progress.refresh_from_db()
    assert progress.version == 1  # the edit is not half-saved


def test_files_passing_the_request_limit_stop_the_upload(settings, stores):
    """A body longer than the limit that the middleware could not see coming (no usable length) is stopped by the
    upload handler: the file that passes the limit is not kept, and the view is never reached."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    request = RequestFactory().post(
        "/enterprises/progress/1/edit/",
        {"a": SimpleUploadedFile("a.pdf", b"a" * (60 * KB)), "b": SimpleUploadedFile("b.pdf", b"b" * (60 * KB))},
    )
    request.upload_limits = (64 * KB, 100 * KB)  # per file, per request
    reached = []
    middleware = RequestSizeLimitMiddleware(lambda r: reached.append(r) or HttpResponse())

    response = middleware.process_view(request, None, (), {})

    assert response.status_code == 413 and not reached
    assert request.upload_stopped and "b" not in request.FILES
    assert request.FILES["a"].size == 60 * KB  # the file within the limit was whole
    request.FILES["a"].close()
    assert nothing_in(stores)


def test_a_body_without_a_length_is_refused_with_a_reason(client, users, yn_enterprise, stores):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])
    response = client.generic(
        "POST",
        reverse("measures:progress_edit", args=[progress.pk]),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": BodyStream(10 * MB)},
    )
    assert response.status_code == 411 and "Content-Length" in response.content.decode()
    assert nothing_in(stores)
