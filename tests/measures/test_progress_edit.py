"""Editing a measure in place on the enterprise page: validation, stale edits, history, who may."""

import pytest
from django.urls import reverse

from measures.choices import Status
from measures.models import Progress, ProgressEvent
from measures.services import progress_update
from reform_portal.choices import ChangeSource

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def first_progress(enterprise) -> Progress:
    return Progress.objects.filter(enterprise=enterprise).order_by("measure__position").first()


def edit_url(progress):
    return reverse("measures:progress_edit", args=[progress.pk])


def post_edit(client, progress, *, htmx=True, version=None, **values):
    data = {"status": Status.IN_PROGRESS, "percent": 40, "note": "", "version": version or progress.version}
    data.update(values)
    return client.post(edit_url(progress), data, **(HTMX if htmx else {}))


def test_officer_opens_the_form_in_place_with_the_version_read(client, users, yn_enterprise):
    # given
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])
    # when
    response = client.get(edit_url(progress), **HTMX)
    # then: a table row (swapped into the page), not a whole page, carrying the version
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<tr") and "<html" not in html
    assert f'name="version" value="{progress.version}"' in html


def test_officer_saves_in_place_and_the_change_is_in_the_history(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    officer = users["officer-yn"]
    client.force_login(officer)

    response = post_edit(client, progress, status=Status.IN_PROGRESS, percent=60, note="已召开动员会")

    assert response.status_code == 200
    html = response.content.decode()
    assert "60%" in html and "已召开动员会" in html and 'name="status"' not in html
    progress.refresh_from_db()
    assert (progress.status, progress.percent, progress.version) == (Status.IN_PROGRESS, 60, 2)
    change = ProgressEvent.objects.filter(pgh_obj=progress).first()
    assert (change.changed_by, change.source, change.old_status, change.percent) == (
        officer,
        ChangeSource.MANUAL,
        Status.NOT_STARTED,
        60,
    )
    history = client.get(reverse("measures:progress_history", args=[progress.pk]), **HTMX).content.decode()
    assert "未启动 0% →" in history and "推进中 60%" in history and "已召开动员会" in history


def test_plain_form_post_works_without_htmx(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-yn"])

    response = post_edit(client, progress, htmx=False, status=Status.DONE, percent=100)

    assert response.status_code == 302
    assert response.url == reverse("enterprises:detail", args=[yn_enterprise.pk]) + f"#progress-{progress.pk}"
    progress.refresh_from_db()
    assert progress.status == Status.DONE


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"status": Status.DONE, "percent": 80}, "percent", "应为 100"),
        ({"status": Status.IN_PROGRESS, "percent": 101}, "percent", "100"),
        ({"status": Status.IN_PROGRESS, "percent": -1}, "percent", "0"),
        ({"status": Status.NOT_STARTED, "percent": 0}, "note", "回退时必须填写说明"),
    ],
)
def test_invalid_values_are_refused_next_to_the_field(client, users, yn_enterprise, values, field, message):
    progress = first_progress(yn_enterprise)
    progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=50, note="", by=None, expected_version=progress.version
    )
    progress.refresh_from_db()
    client.force_login(users["officer-yn"])

    response = post_edit(client, progress, **values)

    html = response.content.decode()
    assert response.status_code == 200
    # crispy renders the error under the field it belongs to
    assert f'id="error_1_id_{field}"' in html and message in html
    progress.refresh_from_db()
    assert (progress.status, progress.percent) == (Status.IN_PROGRESS, 50)


def test_a_stale_edit_is_refused_and_shows_both_versions(client, users, yn_enterprise):
    # given: the officer read version 1, then someone else saved
    progress = first_progress(yn_enterprise)
    read_version = progress.version
    other = users["admin"]
    progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=30, note="他人填写", by=other, expected_version=1
    )
    client.force_login(users["officer-yn"])

    # when
    response = post_edit(client, progress, version=read_version, status=Status.IN_PROGRESS, percent=70, note="我的")

    # then: nothing overwritten, both shown, the form now carries the newer version
    html = response.content.decode()
    progress.refresh_from_db()
    assert (progress.percent, progress.note, progress.version) == (30, "他人填写", 2)
    assert "stale-conflict" in html and "他人填写" in html and "我的" in html and "70%" in html
    assert 'name="version" value="2"' in html and "保留我的修改" in html and "采用当前内容" in html

    # when: the officer keeps theirs, knowingly
    response = post_edit(client, progress, version=2, status=Status.IN_PROGRESS, percent=70, note="我的")

    progress.refresh_from_db()
    assert (progress.percent, progress.note, progress.version) == (70, "我的", 3)


def test_a_stale_plain_post_answers_409(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    progress_update(progress=progress, status=Status.IN_PROGRESS, percent=30, note="", by=None, expected_version=1)
    client.force_login(users["officer-yn"])

    response = post_edit(client, progress, htmx=False, version=1)

    assert response.status_code == 409 and "stale-conflict" in response.content.decode()


@pytest.mark.parametrize("htmx", [True, False])
def test_a_file_attached_to_a_stale_edit_is_not_kept_and_the_officer_is_told(client, users, yn_enterprise, htmx):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from measures.models import Evidence

    # given: someone saved after the officer read version 1
    progress = first_progress(yn_enterprise)
    progress_update(progress=progress, status=Status.IN_PROGRESS, percent=30, note="", by=None, expected_version=1)
    client.force_login(users["officer-yn"])
    upload = SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    # when: the officer saves on version 1 with a file attached
    response = post_edit(client, progress, htmx=htmx, version=1, evidence=upload)

    # then: refused, no file stored, and the conflict says the file must be chosen again
    html = response.content.decode()
    assert "stale-conflict" in html and not Evidence.objects.filter(progress=progress).exists()
    assert "stale-dropped-file" in html and "附件“会议纪要.pdf”未保存，请重新选择文件。" in html


def test_a_stale_edit_without_a_file_says_nothing_about_attachments(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    progress_update(progress=progress, status=Status.IN_PROGRESS, percent=30, note="", by=None, expected_version=1)
    client.force_login(users["officer-yn"])

    html = post_edit(client, progress, version=1).content.decode()

    assert "stale-conflict" in html and "stale-dropped-file" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer-sx", 404), ("sasac-sx", 404), ("enterprise-sx", 404), ("sasac-yn", 403), ("enterprise-yn", 403)],
)
def test_roles_that_may_not_edit_are_refused(client, users, yn_enterprise, role, status):
    progress = first_progress(yn_enterprise)
    client.force_login(users[role])

    assert client.get(edit_url(progress), **HTMX).status_code == status
    assert post_edit(client, progress, status=Status.DONE, percent=100).status_code == status

    progress.refresh_from_db()
    assert progress.status == Status.NOT_STARTED and progress.version == 1


@pytest.mark.parametrize("role", ["sasac-yn", "enterprise-yn"])
def test_viewers_see_the_page_without_edit_buttons(client, users, yn_enterprise, role):
    client.force_login(users[role])
    html = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert "加强产业工人队伍党建工作" in html
    assert "/edit/" not in html


def test_history_is_scoped(client, users, yn_enterprise):
    progress = first_progress(yn_enterprise)
    client.force_login(users["officer-sx"])
    assert client.get(reverse("measures:progress_history", args=[progress.pk])).status_code == 404
    client.force_login(users["sasac-yn"])
    assert client.get(reverse("measures:progress_history", args=[progress.pk])).status_code == 200


def test_officer_sets_an_indicator_value_and_sees_it_against_its_target(client, users, yn_enterprise):
    from measures.models import Indicator, IndicatorValue

    # YN-06 has an indicator "≥ 8" (training hours or the like)
    indicator = Indicator.objects.filter(measure__code="YN-06", comparison="gte").first()
    client.force_login(users["officer-yn"])
    url = reverse("measures:indicator_value", args=[yn_enterprise.pk, indicator.pk])

    below = client.post(url, {"value": str(indicator.target - 1)}, **HTMX).content.decode()
    assert "未达标" in below
    above = client.post(url, {"value": str(indicator.target)}, **HTMX).content.decode()
    assert "达标" in above and "未达标" not in above
    assert IndicatorValue.objects.get(enterprise=yn_enterprise, indicator=indicator).value == indicator.target
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert indicator.name in page and "量化指标" in page

    bad = client.post(url, {"value": "-3"}, **HTMX).content.decode()
    assert "不能为负数" in bad

    client.force_login(users["sasac-yn"])
    assert client.post(url, {"value": "1"}, **HTMX).status_code == 403
    client.force_login(users["officer-sx"])
    assert client.post(url, {"value": "1"}, **HTMX).status_code == 404
