"""The bulletins' pages and API: who creates, reads and is refused (BulletinPolicy), the draft texts, the stale-edit
refusal, issue locking the bulletin, the archive."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Region
from reform_portal.audit.models import AuditEntry
from reporting.bulletins import services
from reporting.bulletins.models import Bulletin
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


def _range():
    today = timezone.localdate()
    return today - timedelta(days=30), today


def _bulletin(by, code="530000", prefecture=None):
    date_from, date_to = _range()
    return services.bulletin_create(
        province=Region.objects.get(code=code), prefecture=prefecture, date_from=date_from, date_to=date_to, by=by
    )


def test_sasac_creates_a_bulletin_from_the_prefilled_draft(client, users):
    client.force_login(users["sasac-yn"])
    page = client.get(reverse("bulletins:create"))
    assert page.status_code == 200
    form = page.context["form"]
    assert "通报如下" in form.initial["opening"] and form.initial["next_steps"].startswith("（一）")
    date_from, date_to = _range()
    yunnan = Region.objects.get(code="530000")
    response = client.post(
        reverse("bulletins:create"),
        {
            "scope": yunnan.pk,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "title": "关于全省产改推进情况的通报",
            "opening": "各州（市）总工会：",
            "assessment": "总体有序。",
            "next_steps": "（一）压实责任。",
        },
    )
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("bulletins:detail", args=[bulletin.pk])
    assert bulletin.number.startswith("云工产改通报〔") and bulletin.prefecture is None and bulletin.status == "draft"
    # a range ending before it starts is refused at its field
    response = client.post(
        reverse("bulletins:create"),
        {"scope": yunnan.pk, "date_from": date_to.isoformat(), "date_to": date_from.isoformat(), "title": "x"},
    )
    assert response.status_code == 400 and "date_to" in response.context["form"].errors
    # a Shaanxi scope is not offered to Yunnan's SASAC staff
    xian = Region.objects.get(code="610100")
    response = client.post(
        reverse("bulletins:create"),
        {"scope": xian.pk, "date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "title": "x"},
    )
    assert response.status_code == 400 and "scope" in response.context["form"].errors


def test_numbers_run_per_province_and_year(users):
    first, second = _bulletin(users["sasac-yn"]), _bulletin(users["sasac-yn"])
    shaanxi = _bulletin(users["sasac-sx"], code="610000")
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"云工产改通报〔{year}〕1号", f"云工产改通报〔{year}〕2号")
    assert shaanxi.number == f"陕工产改通报〔{year}〕1号"


def test_enterprises_and_other_provinces_are_refused(client, users):
    draft = _bulletin(users["sasac-yn"])
    for role in ("enterprise-yn", "enterprise-sx"):
        client.force_login(users[role])
        assert client.get(reverse("bulletins:list")).status_code == 404
        assert client.get(reverse("bulletins:detail", args=[draft.pk])).status_code == 404
        assert client.get(reverse("api-bulletin-list")).status_code == 404
    client.force_login(users["sasac-sx"])
    assert client.get(reverse("bulletins:detail", args=[draft.pk])).status_code == 404
    assert client.post(reverse("bulletins:build", args=[draft.pk])).status_code == 404
    assert client.get(reverse("api-bulletin-detail", args=[draft.pk])).status_code == 404
    assert (
        client.post(
            reverse("api-bulletin-list"), {"scope_code": "530000", "date_from": "2026-01-01", "date_to": "2026-01-31"}
        ).status_code
        == 400
    )
    # a prefecture's officer manages the prefecture's bulletins, not the province's draft
    client.force_login(users["officer-yn"])
    assert client.get(reverse("bulletins:detail", args=[draft.pk])).status_code == 404
    mine = _bulletin(users["officer-yn"], prefecture=Region.objects.get(code="530100"))
    assert client.get(reverse("bulletins:edit", args=[mine.pk])).status_code == 200
    client.force_login(users["sasac-yn"])
    assert client.get(reverse("bulletins:edit", args=[mine.pk])).status_code == 200  # SASAC: the whole province


def _as_built(bulletin):
    Bulletin.objects.filter(pk=bulletin.pk).update(status="built", build_state="done")
    bulletin.refresh_from_db()
    return bulletin


def test_issued_bulletins_are_archived_read_only_and_read_by_the_province(client, users):
    bulletin = _as_built(_bulletin(users["sasac-yn"]))
    client.force_login(users["sasac-yn"])
    response = client.post(reverse("bulletins:issue", args=[bulletin.pk]), {"version": bulletin.version})
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == "issued" and bulletin.issued_at is not None and bulletin.issued_by == users["sasac-yn"]
    assert client.get(reverse("bulletins:edit", args=[bulletin.pk])).status_code == 403
    client.post(reverse("bulletins:build", args=[bulletin.pk]))
    bulletin.refresh_from_db()
    assert bulletin.build_state == "done"  # not rebuilt
    with pytest.raises(Exception, match="已印发"):
        services.bulletin_edit(
            bulletin=bulletin, title="x", opening="", assessment="", next_steps="", expected_version=None, by=None
        )
    # the province's union officers (a prefecture's, a county's) read it in the archive; Shaanxi does not
    officer = make_officer("t-bulletin-county", regions=[Region.objects.get(code="530102")])
    for user in (users["officer-yn"], officer):
        client.force_login(user)
        page = client.get(reverse("bulletins:list"))
        assert page.status_code == 200 and bulletin.number in page.content.decode()
        assert client.get(reverse("bulletins:detail", args=[bulletin.pk])).status_code == 200
        assert client.post(reverse("bulletins:build", args=[bulletin.pk])).status_code == 403
    client.force_login(users["sasac-sx"])
    assert bulletin.number not in client.get(reverse("bulletins:list")).content.decode()
    assert client.get(reverse("api-bulletin-detail", args=[bulletin.pk])).status_code == 404


def test_a_stale_edit_is_refused_and_shows_theirs(client, users):
    bulletin = _bulletin(users["sasac-yn"])
    client.force_login(users["sasac-yn"])
    url = reverse("bulletins:edit", args=[bulletin.pk])
    base = {"title": bulletin.title, "opening": "甲", "assessment": "", "next_steps": "", "version": bulletin.version}
    assert client.post(url, base).status_code == 302
    response = client.post(url, base | {"opening": "乙"})
    assert response.status_code == 409
    assert "已在别处被修改" in response.content.decode() and response.context["theirs"].opening == "甲"
    bulletin.refresh_from_db()
    assert bulletin.opening == "甲"
    # the API's issue is version-checked the same way
    _as_built(bulletin)
    stale = client.post(reverse("api-bulletin-issue", args=[bulletin.pk]), {"version": bulletin.version - 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    missing = client.post(reverse("api-bulletin-issue", args=[bulletin.pk]), {})
    assert missing.status_code == 400 and "version" in missing.json()


def test_the_api_creates_and_queues_a_build(client, users, django_capture_on_commit_callbacks):
    client.force_login(users["officer-yn"])
    body = {"scope_code": "530100", "date_from": "2026-01-01", "date_to": "2026-01-31"}
    response = client.post(reverse("api-bulletin-list"), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["prefecture"] == "530100" and data["downloads"] == {} and "通报如下" in data["opening"]
    refused = client.post(reverse("api-bulletin-list"), body | {"scope_code": "530000"})  # not the whole province
    assert refused.status_code == 400 and "scope_code" in refused.json()
    backwards = client.post(reverse("api-bulletin-list"), body | {"date_to": "2025-12-01"})
    assert backwards.status_code == 400 and "date_to" in backwards.json()
    from reform_portal.outbox.models import OutboxMessage

    with django_capture_on_commit_callbacks():
        built = client.post(reverse("api-bulletin-build", args=[data["id"]]))
    assert built.status_code == 202 and built.json()["build_state"] == "queued"
    assert OutboxMessage.objects.filter(task="reporting.bulletins.tasks.bulletin_build_job", args=[data["id"]]).exists()
    again = client.post(reverse("api-bulletin-build", args=[data["id"]]))
    assert again.status_code == 400 and again.json()["code"] == "invalid_state"


def test_downloads_are_recorded(client, users, settings):
    from django.core.files.base import ContentFile

    bulletin = _bulletin(users["sasac-yn"])
    bulletin.pdf_file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
    bulletin.docx_file.save("x.docx", ContentFile(b"PK"), save=True)
    client.force_login(users["sasac-yn"])
    response = client.get(reverse("bulletins:download", args=[bulletin.pk, "pdf"]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4"
    assert AuditEntry.objects.filter(details__what="bulletin:pdf").exists()
    assert client.get(reverse("bulletins:download", args=[bulletin.pk, "exe"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "offered"),
    [("admin", True), ("officer-yn", True), ("sasac-yn", True), ("enterprise-yn", False), ("enterprise-sx", False)],
)
def test_the_menu_offers_bulletins_to_the_roles_allowed(client, users, role, offered):
    client.force_login(users[role])
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("bulletins:list")}"' in page) is offered


def test_a_build_whose_worker_died_may_be_asked_again(client, users, settings, django_capture_on_commit_callbacks):
    bulletin = _bulletin(users["sasac-yn"])
    client.force_login(users["sasac-yn"])
    url = reverse("api-bulletin-build", args=[bulletin.pk])
    assert client.post(url).status_code == 202
    assert client.post(url).status_code == 400  # still queued
    Bulletin.objects.filter(pk=bulletin.pk).update(
        build_requested_at=timezone.now() - timedelta(seconds=settings.JOB_TIME_LIMIT_SECONDS + 61)
    )
    assert client.post(url).status_code == 202


def test_the_api_edits_the_blocks_with_the_version_read(client, users):
    bulletin = _as_built(_bulletin(users["sasac-yn"]))
    client.force_login(users["sasac-yn"])
    url = reverse("api-bulletin-detail", args=[bulletin.pk])
    response = client.patch(
        url, {"opening": "各州（市）总工会：", "version": bulletin.version}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["opening"] == "各州（市）总工会：" and data["status"] == "draft" and data["title"] == bulletin.title
    stale = client.patch(url, {"opening": "乙", "version": bulletin.version}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current"]["opening"] == "各州（市）总工会："
    too_long = client.patch(url, {"opening": "长" * 5000, "version": data["version"]}, content_type="application/json")
    assert too_long.status_code == 400 and "opening" in too_long.json()
    assert client.patch(url, {"opening": "x"}, content_type="application/json").status_code == 400  # no version
    client.force_login(users["officer-yn"])  # a prefecture's officer: not the province's bulletin
    assert client.patch(url, {"opening": "x", "version": 1}, content_type="application/json").status_code == 404
    assert client.put(url, {}, content_type="application/json").status_code in (404, 405)
