"""Designations, their changes, their end and each fund entry appear in the enterprise's 全部记录, as people read
them, with who did it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.activity import ActivityFilters, activity_page
from enterprises.pilots import services
from enterprises.pilots.choices import FundKind

from .conftest import designate

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def test_the_feed_lists_the_pilot_rows(client, users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer, days=20)
    services.fund_record(
        designation=d,
        kind=FundKind.GRANTED,
        amount=Decimal("12500.5"),
        on_date=TODAY() - timedelta(days=1),
        purpose="产改试点工作经费",
        by=officer,
    )
    services.pilot_end(designation=d, expected_version=d.version, ends_on=TODAY(), by=officer)
    page = activity_page(enterprise=yn_enterprise, user=officer, filters=ActivityFilters(kind="pilot"))
    rows = list(page.object_list)
    # one test transaction: one time for all three (the feed orders by time, then by source)
    by_action = {r.action: r for r in rows}
    assert sorted(by_action) == sorted(["结束试点", "记录工作经费", "认定为试点企业"]) and len(rows) == 3
    ended, fund, made = by_action["结束试点"], by_action["记录工作经费"], by_action["认定为试点企业"]
    assert all(r.changed_by == officer and r.kind_label == "试点与经费" for r in rows)
    assert {(x.label, x.old, x.new) for x in ended.diffs} >= {("状态", "试点中", "已结束")}
    assert fund.diffs[0].label == "下达" and fund.diffs[0].new.startswith("12,500.50 元")
    assert fund.notes == ["产改试点工作经费"]
    assert ("认定单位", None, "昆明市") in {(x.label, x.old, x.new) for x in made.diffs}
    assert all(r.title == f"试点：{d.document_number}" for r in rows)
    # the page shows them too, to the enterprise's own user
    client.force_login(users["enterprise-yn"])
    html = client.get(reverse("enterprises:history", args=[yn_enterprise.pk]), {"kind": "pilot"}).content.decode()
    assert "认定为试点企业" in html and "记录工作经费" in html
