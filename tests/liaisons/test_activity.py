"""A visit logged and changed appears in the enterprise's 全部记录 for the union and SASAC, not for its own users."""

import pytest

from enterprises.activity import ActivityFilters, activity_page
from enterprises.liaisons import services

from .conftest import log_visit

pytestmark = pytest.mark.django_db


def test_the_feed_lists_the_visits_for_those_who_read_them(users, yn_enterprise):
    officer = users["officer-yn"]
    visit = log_visit(yn_enterprise, officer, days=2)
    services.visit_update(visit=visit, expected_version=1, by=officer, follow_ups="寄送资料")
    page = activity_page(enterprise=yn_enterprise, user=users["sasac-yn"], filters=ActivityFilters(kind="visit"))
    rows = list(page.object_list)
    assert sorted(r.action for r in rows) == ["修改走访记录", "记录直通车走访"]
    assert all(r.changed_by == officer and r.kind_label == "直通车走访" for r in rows)
    changed = next(r for r in rows if r.action == "修改走访记录")
    assert [(d.label, d.old, d.new) for d in changed.diffs] == [("后续事项", "", "寄送资料")]
    made = next(r for r in rows if r.action == "记录直通车走访")
    assert ("接待人员", None, "张三（工会主席）") in [(d.label, d.old, d.new) for d in made.diffs]
    mine = activity_page(enterprise=yn_enterprise, user=users["enterprise-yn"], filters=ActivityFilters())
    assert not [r for r in mine.object_list if r.kind == "visit"]
