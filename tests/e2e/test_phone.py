"""The portal on a phone (390×844, Chromium as a mobile browser with touch): the officer updates a measure from its
card on the enterprise page, in a full-width panel that never leaves the screen, and the enterprise fills and submits
its self-assessment; no page scrolls sideways."""

import pytest

from enterprises.models import Enterprise
from measures.applicability import scope_applies
from measures.choices import DONE_STATUSES, Status
from measures.models import Progress
from reporting.assessments.models import Assessment

from .test_fill_once import Counted, accepted_last_year, period, user  # noqa: F401 (the period fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 390, 844


@pytest.fixture
def phone(login):
    """phone("officer-yn") → a logged-in Page at 390×844, as a phone's browser (mobile viewport, touch)."""
    return lambda username: login(
        username, viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True, device_scale_factor=2
    )


def no_sideways_scroll(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide on a {WIDTH} px screen"


def inside_screen(box, *, whole_height=True):
    """Wholly on screen, to the pixel: a box scrolled into view edge-aligned ends at a fraction past it (844.28)."""
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 1, box
    if whole_height:
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT + 1, box


def done_count(enterprise) -> tuple[int, int]:
    """(done, applicable) counted in Python, one row at a time, from the applicability rule's predicate."""
    rows = [
        p
        for p in Progress.objects.filter(enterprise=enterprise).select_related("measure__scope")
        if scope_applies(p.measure.scope, enterprise)
    ]
    return sum(1 for p in rows if p.status in DONE_STATUSES), len(rows)


def test_officer_updates_a_measure_from_its_card_on_a_phone(phone, portal):
    enterprise = Enterprise.objects.filter(region__code="530100").order_by("name").first()
    done_before, applicable = done_count(enterprise)
    progress = next(
        p
        for p in Progress.objects.filter(enterprise=enterprise)
        .select_related("measure__scope")
        .order_by("measure__document__issued_on", "measure__position")
        if p.status not in DONE_STATUSES and scope_applies(p.measure.scope, enterprise)
    )
    page = phone("officer-yn")
    page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    no_sideways_scroll(page)
    counts = page.locator("#progress-counts")
    assert counts.inner_text() == f"已完成 {done_before}/{applicable} 项措施"

    # the measure is a card: its code, name, status, percent and the “更新” button on screen together
    card = page.locator(f"#progress-{progress.pk}")
    button = card.locator(".progress-edit-button")
    button.scroll_into_view_if_needed()
    name = card.locator(".progress-name")
    assert progress.measure.title in name.inner_text() and progress.measure.code in card.inner_text()
    assert f"{progress.percent}%" in card.locator(".progress-percent").inner_text()
    assert progress.get_status_display() in card.locator(".progress-status").inner_text()
    for part in (button, name, card.locator(".progress-status"), card.locator(".progress-percent")):
        inside_screen(part.bounding_box())
    inside_screen(card.bounding_box())
    assert button.bounding_box()["height"] >= 32  # a thumb's target

    # the edit opens as a full-width panel, wholly on screen, focus in its first field
    button.tap()
    panel = page.locator(f"#progress-{progress.pk}.progress-editing")
    panel.locator("select[name=status]").wait_for()
    page.wait_for_timeout(200)  # htmx settles, the panel is scrolled to
    no_sideways_scroll(page)
    box = panel.bounding_box()
    inside_screen(box)
    assert box["width"] >= WIDTH - 40  # the screen's width, less the page's margins
    for field in ("select[name=status]", "input[name=percent]", "textarea[name=note]", "input[name=evidence]"):
        inside_screen(panel.locator(field).bounding_box())
    save = panel.get_by_role("button", name="保存")
    inside_screen(save.bounding_box())
    assert page.evaluate("document.activeElement.name") == "status"

    panel.locator("select[name=status]").select_option(Status.DONE)
    panel.locator("input[name=percent]").fill("100")
    save.tap()

    # saved: the card is back with the new values, a toast says so, the header counts it, focus is on “更新”
    toast = page.locator("#portal-toasts .toast")
    toast.filter(has_text=f"已保存 {progress.measure.code}。").wait_for()
    inside_screen(toast.bounding_box())
    page.locator(f"#progress-{progress.pk}:not(.progress-editing)").wait_for()
    progress.refresh_from_db()
    assert (progress.status, progress.percent) == (Status.DONE, 100)
    done_after, applicable_after = done_count(enterprise)
    assert (done_after, applicable_after) == (done_before + 1, applicable)
    assert counts.inner_text() == f"已完成 {done_after}/{applicable} 项措施"
    assert "已完成" in card.locator(".progress-status").inner_text() and "100%" in card.inner_text()
    assert page.evaluate("document.activeElement.closest('tr') && document.activeElement.closest('tr').id") == (
        f"progress-{progress.pk}"
    )
    assert page.evaluate("document.activeElement.classList.contains('progress-edit-button')")
    no_sideways_scroll(page)
    assert page.console_errors == []


def test_lists_are_cards_on_a_phone(phone, portal):
    page = phone("officer-yn")
    # the home page's lagging enterprises and the enterprise list: one card per enterprise, names on few lines
    for path in ("/", "/enterprises/"):
        page.goto(f"{portal}{path}")
        no_sideways_scroll(page)
        row = page.locator("table.enterprise-table tbody tr[data-enterprise]").first
        assert page.locator("table.enterprise-table thead").is_hidden()
        link = row.locator("a").first
        box = link.bounding_box()
        inside_screen(box, whole_height=False)
        # a readable name: at least ten characters a line (the table wrapped them two a line)
        chars_per_line = len(link.inner_text()) / max(1, round(box["height"] / 24))
        assert chars_per_line >= 10 or box["width"] >= 200, (link.inner_text(), box)
    # the dashboard's lagging table keeps names readable and scrolls within its card, never the page
    page.goto(f"{portal}/reporting/dashboard/")
    no_sideways_scroll(page)
    name = page.locator("#lagging-table tbody td:first-child").first
    assert name.bounding_box()["width"] >= 150
    # the self-assessment overview
    page.goto(f"{portal}/reporting/assessments/")
    no_sideways_scroll(page)
    assert page.console_errors == []


def test_enterprise_fills_and_submits_its_self_assessment_on_a_phone(phone, portal, period):  # noqa: F811
    accepted_last_year(period)
    page = phone("enterprise-yn")
    no_sideways_scroll(page)
    act = Counted(page)
    act.click("text=开始填写自评表")
    no_sideways_scroll(page)
    act.click("button:has-text('开始填写自评表')")
    page.wait_for_selector("#item-YN-01")
    no_sideways_scroll(page)
    # each answer's fields fit the screen
    for field in ("select[name='YN-01-claimed_status']", "input[name='YN-01-claimed_percent']"):
        locator = page.locator(field)
        locator.scroll_into_view_if_needed()
        inside_screen(locator.bounding_box())
    sections = [b.get_attribute("data-confirm-section") for b in page.locator("[data-confirm-section]:visible").all()]
    assert len(sections) >= 4
    for section in sections:
        button = page.locator(f"[data-confirm-section='{section}']")
        button.scroll_into_view_if_needed()
        inside_screen(button.bounding_box())
        act.click(f"[data-confirm-section='{section}']")
        page.locator(f"#{section} [data-confirm]").first.wait_for(state="detached", timeout=20_000)
    page.wait_for_load_state("networkidle")
    page.locator("#count-all").filter(has_text="已填 13/13").wait_for(timeout=20_000)
    submit = page.locator("#submit-assessment")
    submit.scroll_into_view_if_needed()
    inside_screen(submit.bounding_box())
    act.click("#submit-assessment")
    page.wait_for_selector("[data-testid=assessment-status]:has-text('已提交')")
    no_sideways_scroll(page)
    assert act.n < 20, act.n
    assessment = Assessment.objects.get(period=period, enterprise=user("enterprise-yn").profile.enterprise)
    assert assessment.status == "submitted"
    assert page.console_errors == []


def test_the_dashboards_figures_on_a_phone(phone, portal):
    """SASAC's dashboard at 390 px: the headline figures stack in one column inside the screen, the page never
    scrolls sideways (wide tables scroll inside their cards), and a figure opens its drill-down with a tap."""
    page = phone("sasac-yn")
    page.goto(f"{portal}/reporting/dashboard/")
    page.wait_for_load_state("networkidle")
    no_sideways_scroll(page)
    links = page.locator("a[href*='/reporting/dashboard/figure/']")
    assert links.count() > 0
    first = links.first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    first.tap()
    page.wait_for_url("**/dashboard/figure/**")
    no_sideways_scroll(page)
