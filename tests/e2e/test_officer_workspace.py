"""The union officer's working day in a real browser (Playwright driving /usr/bin/chromium)."""

import re

import pytest

from enterprises.models import Enterprise
from measures.choices import Status
from measures.lagging import lagging_enterprises
from measures.models import Evidence, Progress, ProgressEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def open_first_editable_row(page):
    """Click “更新” on the first measure of the enterprise page; return its row id."""
    row = page.locator("tr[id^=progress-]").filter(has=page.locator("text=更新")).first
    row_id = row.get_attribute("id")
    row.get_by_role("link", name="更新").click()
    page.wait_for_selector(f"#{row_id} form select[name=status]")
    return row_id


def test_officer_filters_to_a_lagging_enterprise_updates_a_measure_with_evidence_and_sees_it_in_history(login, portal):
    page = login("officer-yn")

    # filter the list to lagging enterprises
    page.goto(f"{portal}/enterprises/")
    page.select_option("select[name=lagging]", "true")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"lagging=true"))
    first = page.locator("table.enterprise-table tbody tr a").first
    name = first.inner_text()
    enterprise = Enterprise.objects.get(name=name)
    assert enterprise.region.code == "530100"
    # the filter narrowed the list: the one picked is lagging, and Kunming enterprises that are not are absent
    kunming = Enterprise.objects.filter(region__code="530100")
    lagging = set(lagging_enterprises(kunming).values_list("name", flat=True))
    assert name in lagging
    listed = set(page.locator("table.enterprise-table tbody tr[data-enterprise] td a").all_inner_texts())
    not_lagging = set(kunming.values_list("name", flat=True)) - lagging
    assert not_lagging and listed and listed <= lagging and not listed & not_lagging
    assert int(page.locator("#result-count").inner_text()) == len(lagging)
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().startswith(name)

    # edit a measure in place, attaching a PDF
    row_id = open_first_editable_row(page)
    pk = int(row_id.split("-")[1])
    row = page.locator(f"#{row_id}")
    row.locator("select[name=status]").select_option(Status.IN_PROGRESS)
    row.locator("input[name=percent]").fill("45")
    row.locator("textarea[name=note]").fill("已召开专题会议部署")
    row.locator("input[name=evidence]").set_input_files(
        {"name": "专题会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    row.get_by_role("button", name="保存").click()

    # the row is back, read-only, with the new values and the file
    page.wait_for_selector(f"#{row_id} .evidence-list")
    assert page.locator(f"#{row_id} form").count() == 0
    assert "45%" in row.inner_text() and "推进中" in row.inner_text() and "已召开专题会议部署" in row.inner_text()
    progress = Progress.objects.get(pk=pk)
    assert (progress.status, progress.percent, progress.updated_by.username) == (Status.IN_PROGRESS, 45, "officer-yn")
    assert Evidence.objects.get(progress=progress).original_name == "专题会议纪要.pdf"

    # the history shows who, when, old → new, and the upload
    row.get_by_role("link", name="变更记录").click()
    timeline = page.locator("#history-modal-body .progress-timeline")
    timeline.wait_for()
    text = timeline.inner_text()
    assert "推进中 45%" in text and "专题会议纪要.pdf" in text and "张丽" in text

    # the file downloads through the access-checked view
    with page.expect_download() as download:
        timeline.get_by_role("link", name="专题会议纪要.pdf").click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read() == PDF
    assert page.console_errors == []


def test_a_second_browser_editing_the_same_measure_is_refused_as_stale(login, portal):
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    first, second = login("officer-yn"), login("admin")
    for page in (first, second):
        page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    row_id = open_first_editable_row(first)
    assert open_first_editable_row(second) == row_id
    before = Progress.objects.get(pk=int(row_id.split("-")[1]))

    # the first officer saves
    row = first.locator(f"#{row_id}")
    row.locator("select[name=status]").select_option(Status.IN_PROGRESS)
    row.locator("input[name=percent]").fill("55")
    row.locator("textarea[name=note]").fill("第一位的修改")
    row.get_by_role("button", name="保存").click()
    first.wait_for_selector(f"#{row_id}:not(.progress-editing)")

    # the second, who opened the form before that save, is refused and sees both
    row = second.locator(f"#{row_id}")
    row.locator("select[name=status]").select_option(Status.IN_PROGRESS)
    row.locator("input[name=percent]").fill("65")
    row.locator("textarea[name=note]").fill("第二位的修改")
    row.get_by_role("button", name="保存").click()
    conflict = second.locator(f"#{row_id} .stale-conflict")
    conflict.wait_for()
    assert "55%" in conflict.locator(".stale-current").inner_text()
    assert "第一位的修改" in conflict.inner_text() and "第二位的修改" in conflict.inner_text()
    progress = Progress.objects.get(pk=before.pk)
    assert (progress.percent, progress.note) == (55, "第一位的修改")

    # taking the current values leaves them alone
    second.get_by_role("link", name="采用当前内容").click()
    second.wait_for_selector(f"#{row_id}:not(.progress-editing)")
    assert "55%" in second.locator(f"#{row_id}").inner_text()
    assert ProgressEvent.objects.filter(pgh_obj=progress).count() == 2  # created + the first officer's save
    assert first.console_errors == [] and second.console_errors == []


def test_keeping_ones_own_values_after_a_conflict(login, portal):
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    row_id = open_first_editable_row(page)
    progress = Progress.objects.get(pk=int(row_id.split("-")[1]))
    # someone else saves meanwhile
    from measures.services import progress_update

    progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=20, note="他人", by=None, expected_version=None
    )

    row = page.locator(f"#{row_id}")
    row.locator("select[name=status]").select_option(Status.IN_PROGRESS)
    row.locator("input[name=percent]").fill("90")
    row.get_by_role("button", name="保存").click()
    row.locator(".stale-conflict").wait_for()
    row.get_by_role("button", name="保留我的修改").click()
    page.wait_for_selector(f"#{row_id}:not(.progress-editing)")

    progress.refresh_from_db()
    assert progress.percent == 90


@pytest.fixture
def api(playwright_instance, portal):
    """A bare HTTP client (no browser cookies) for the token API."""
    context = playwright_instance.request.new_context(base_url=portal)
    yield context
    context.dispose()


@pytest.mark.parametrize(
    ("username", "page_status", "edit_status"),
    [
        ("officer-sx", 404, 404),
        ("enterprise-sx", 404, 404),
        ("sasac-yn", 200, 403),
    ],
)
def test_others_cannot_edit_a_kunming_enterprise_by_page_or_api(login, portal, api, username, page_status, edit_status):
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    progress = Progress.objects.filter(enterprise=enterprise).order_by("pk").first()
    page = login(username)

    # the page
    response = page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    assert response.status == page_status
    if page_status == 200:
        assert page.locator("tr[id^=progress-]").count() > 0
        assert page.get_by_role("link", name="更新").count() == 0
    assert page.goto(f"{portal}/enterprises/progress/{progress.pk}/edit/").status == edit_status

    # a forged form post from the browser, with a valid CSRF token
    page.goto(f"{portal}/")
    status = page.evaluate(
        """async (url) => {
            const headers = JSON.parse(document.body.getAttribute('hx-headers'));
            const body = new FormData();
            body.append('status', 'done'); body.append('percent', '100'); body.append('version', '1');
            const r = await fetch(url, {method: 'POST', headers, body});
            return r.status;
        }""",
        f"{portal}/enterprises/progress/{progress.pk}/edit/",
    )
    assert status == edit_status

    # the API
    token = api.post("/api/auth/token/", data={"username": username, "password": "demo12345"}).json()["token"]
    headers = {"Authorization": f"Token {token}"}
    assert api.get(f"/api/progress/{progress.pk}/", headers=headers).status == page_status
    write = api.patch(
        f"/api/progress/{progress.pk}/",
        data={"status": "done", "percent": 100, "version": progress.version},
        headers=headers,
    )
    assert write.status == edit_status
    progress.refresh_from_db()
    assert (
        progress.version == 1 and not ProgressEvent.objects.filter(pgh_obj=progress, changed_by__isnull=False).exists()
    )


def save_with_evidence(login, portal, content: bytes) -> tuple:
    """As officer-yn, set a Kunming enterprise's first measure to 推进中 30% with `content` as 证明.pdf and save;
    return (the page, the row's id)."""
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    row_id = open_first_editable_row(page)
    row = page.locator(f"#{row_id}")
    row.locator("select[name=status]").select_option(Status.IN_PROGRESS)
    row.locator("input[name=percent]").fill("30")
    row.locator("input[name=evidence]").set_input_files(
        {"name": "证明.pdf", "mimeType": "application/pdf", "buffer": content}
    )
    row.get_by_role("button", name="保存").click()
    return page, row_id


def test_a_renamed_executable_is_refused_with_a_clear_message(login, portal):
    page, row_id = save_with_evidence(login, portal, b"MZ\x90\x00" + b"\x00" * 64)

    error = page.locator(f"#{row_id} #error_1_id_evidence")
    error.wait_for()
    assert "内容与扩展名" in error.inner_text()
    assert not Evidence.objects.exists()
    assert Progress.objects.get(pk=int(row_id.split("-")[1])).version == 1


def test_an_upload_over_the_request_limit_says_so_next_to_the_form(login, portal, settings):
    # given a request limit of 110 KB (100 KB file + 10 KB form), which the middleware enforces before reading
    settings.EVIDENCE_MAX_BYTES, settings.UPLOAD_FORM_OVERHEAD_BYTES = 100_000, 10_000
    # when the officer sends a 300 KB file with a measure's update (htmx gets a 413, which swaps nothing in)
    page, row_id = save_with_evidence(login, portal, PDF + b"\n" * 300_000)
    # then the form says why, as text, and nothing was saved
    alert = page.locator(f"#{row_id} .htmx-error")
    alert.wait_for()
    assert "上传内容过大" in alert.inner_text()
    assert not Evidence.objects.exists()
    assert Progress.objects.get(pk=int(row_id.split("-")[1])).version == 1
