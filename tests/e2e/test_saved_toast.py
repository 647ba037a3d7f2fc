"""After an in-place save (a desk's browser, keyboard only): a “已保存” toast in an aria-live region, the page's
“已完成 x/n” header counted again from the server's answer, and keyboard focus back on the row's “更新” button (also
after “取消”); an indicator value's save has its toast too; a refused bulk update is a styled alert, not plain text."""

import pytest

from enterprises.models import Enterprise
from measures.applicability import scope_applies
from measures.choices import DONE_STATUSES, Status
from measures.models import Progress

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def applicable_rows(enterprise):
    return [
        p
        for p in Progress.objects.filter(enterprise=enterprise)
        .select_related("measure__scope")
        .order_by("measure__document__issued_on", "measure__position")
        if scope_applies(p.measure.scope, enterprise)
    ]


def focused_row_button(page):
    return page.evaluate(
        "(() => { const a = document.activeElement;"
        " return a && a.classList.contains('progress-edit-button') ? a.closest('tr').id : null })()"
    )


def test_saving_in_place_shows_a_toast_counts_again_and_keeps_focus(login, portal):
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    rows = applicable_rows(enterprise)
    done = sum(1 for p in rows if p.status in DONE_STATUSES)
    progress = next(p for p in rows if p.status not in DONE_STATUSES)
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    counts = page.locator("#progress-counts")
    assert counts.inner_text() == f"已完成 {done}/{len(rows)} 项措施"
    assert page.locator("#portal-toasts").get_attribute("aria-live") == "polite"

    # the keyboard opens the form: focus lands in its first field
    row = page.locator(f"#progress-{progress.pk}")
    row.locator(".progress-edit-button").focus()
    page.keyboard.press("Enter")
    row.locator("select[name=status]").wait_for()
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.name") == "status"

    # “取消” brings the row back and focus to its button
    row.get_by_role("link", name="取消").focus()
    page.keyboard.press("Enter")
    page.locator(f"#progress-{progress.pk}:not(.progress-editing)").wait_for()
    page.wait_for_timeout(100)
    assert focused_row_button(page) == f"progress-{progress.pk}"

    # open again, set 已完成 100, save with Enter in the percent field
    page.keyboard.press("Enter")
    row.locator("select[name=status]").wait_for()
    row.locator("select[name=status]").select_option(Status.DONE)
    percent = row.locator("input[name=percent]")
    percent.fill("100")
    percent.press("Enter")

    toast = page.locator("#portal-toasts .toast")
    toast.filter(has_text=f"已保存 {progress.measure.code}。").wait_for()
    assert toast.first.get_attribute("role") == "status" and toast.first.is_visible()
    page.locator(f"#progress-{progress.pk}:not(.progress-editing)").wait_for()
    progress.refresh_from_db()
    assert (progress.status, progress.percent) == (Status.DONE, 100)
    # the header, counted independently: one more done, same number applicable
    rows_after = applicable_rows(enterprise)
    done_after = sum(1 for p in rows_after if p.status in DONE_STATUSES)
    assert done_after == done + 1
    assert counts.inner_text() == f"已完成 {done_after}/{len(rows_after)} 项措施"
    assert counts.get_attribute("data-done") == str(done_after)
    assert focused_row_button(page) == f"progress-{progress.pk}"
    # and the toast goes away by itself
    toast.first.wait_for(state="detached", timeout=10_000)

    # a failed save (an out-of-range percent) keeps the form, no toast, focus on the field in error
    page.keyboard.press("Enter")
    row.locator("input[name=percent]").wait_for()
    row.locator("input[name=percent]").fill("150")
    row.locator("input[name=percent]").press("Enter")
    row.locator("input[name=percent].is-invalid").wait_for()
    row.locator(".invalid-feedback").first.wait_for()
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.name") == "percent"
    assert page.locator("#portal-toasts .toast").count() == 0
    assert page.console_errors == []


def test_an_indicator_value_save_has_its_toast(login, portal):
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    form = page.locator("#indicators form").filter(has=page.locator("input[type=number]")).first
    row_id = form.evaluate("f => f.closest('tr').id")
    form.locator("input[type=number]").fill("3")
    form.get_by_role("button", name="保存").click()
    page.locator("#portal-toasts .toast").filter(has_text="已保存指标").wait_for()
    page.locator(f"#{row_id} .bi-check-lg").wait_for()
    assert page.console_errors == []


def test_a_refused_bulk_update_is_a_styled_alert(login, portal):
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/")
    page.locator("#bulk-form").get_by_role("button", name="更新勾选的企业").click()
    alert = page.locator("main .alert").filter(has_text="请先勾选要更新的企业")
    alert.wait_for()
    assert "alert-danger" in alert.get_attribute("class")
    assert alert.get_attribute("role") == "alert"
    # Bootstrap's danger colours, not unstyled text
    background = alert.evaluate("a => getComputedStyle(a).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    assert page.locator("main .alert-error").count() == 0
