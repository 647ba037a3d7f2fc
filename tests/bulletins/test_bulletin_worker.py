"""A real Celery worker on the `jobs` queue (tests/celery_worker.py), against real Redis and the test database, builds
the bulletin asked for on its page: the page answers at once, the outbox publishes after commit, the worker writes
the .docx and the .pdf, the page then offers both."""

import io
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from enterprises.models import Region
from reporting import rollup
from reporting.bulletins.models import Bulletin
from tests.celery_worker import celery_worker
from tests.factories import make_sasac
from tests.reporting.rollup_data import make_enterprises

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jobs_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_worker(tmp_path, queues=["jobs"], env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        yield worker


def test_a_real_worker_builds_both_files(client, jobs_worker):
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    make_enterprises(20, province_codes=("530000",))
    rollup.rollup_full_now()
    cache.clear()
    client.force_login(make_sasac("t-bulletin-worker", province_code="530000"))
    today = timezone.localdate()
    response = client.post(
        reverse("bulletins:create"),
        {
            "scope": Region.objects.get(code="530000").pk,
            "date_from": (today - timedelta(days=30)).isoformat(),
            "date_to": today.isoformat(),
            "title": "关于全省产改推进情况的通报",
            "opening": "各州（市）总工会：",
            "assessment": "",
            "next_steps": "",
        },
    )
    assert response.status_code == 302, response.content
    bulletin = Bulletin.objects.get()
    started = time.monotonic()
    response = client.post(reverse("bulletins:build", args=[bulletin.pk]))
    assert response.status_code == 302 and time.monotonic() - started < 5  # the page does not wait for the files
    page = client.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert "hx-trigger" in page  # polls while it builds
    built = jobs_worker.wait_for(
        lambda: (b := Bulletin.objects.get(pk=bulletin.pk)).build_state in ("done", "failed") and b,
        "bulletin not built",
    )
    assert built.build_state == "done", built.build_error
    assert built.status == "built" and built.figures["headline"]["enterprises"] == 20
    page = client.get(reverse("bulletins:detail", args=[bulletin.pk])).content.decode()
    assert "hx-trigger" not in page
    docx = client.get(reverse("bulletins:download", args=[bulletin.pk, "docx"]))
    assert docx.status_code == 200
    doc = Document(io.BytesIO(b"".join(docx.streaming_content)))
    assert doc.paragraphs[0].text == "云南省产业工人队伍建设改革工作通报"
    pdf = client.get(reverse("bulletins:download", args=[bulletin.pk, "pdf"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
