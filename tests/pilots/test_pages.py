"""The pilots' pages: the list (filters, bounded queries whatever its length), the export's content, the pilot's page
and its fund form, the designation form from the enterprise's page, and who gets which answer."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import Region
from enterprises.pilots import services
from enterprises.pilots.choices import FundKind, PilotStatus
from enterprises.pilots.models import PilotDesignation, PilotFund
from measures.choices import Status
from measures.models import Progress
from tests.factories import EnterpriseFactory

from .conftest import designate, scope_measures

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _pilots(count, kunming, officer, **kwargs):
    from measures.services import progress_ensure

    out = []
    for i in range(count):
        e = EnterpriseFactory(name=f"试点测试{i:02d}有限公司", region=kunming)
        progress_ensure(enterprise=e)
        d = designate(e, officer, days=10 + i, **kwargs)
        services.fund_record(
            designation=d, kind=FundKind.GRANTED, amount=Decimal("1000"), on_date=TODAY(), purpose="经费", by=officer
        )
        out.append(d)
    return out


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_3_or_20_pilots(client, users, kunming):
    officer = users["officer-yn"]
    _pilots(3, kunming, officer)
    client.force_login(officer)
    url = reverse("pilots:list")
    _list_queries(client, url)  # the first visit of a session costs more (the menu's badges, the last visit)
    few = _list_queries(client, url)
    _pilots(17, kunming, officer)
    many = _list_queries(client, url)
    assert many == few, (few, many)
    assert many <= 20


def test_the_list_shows_scope_progress_and_funds(client, users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer, n=3)
    first = d.measures.order_by("document_id", "position").first()
    Progress.objects.filter(enterprise=yn_enterprise, measure=first).update(status=Status.DONE, percent=100)
    services.fund_record(
        designation=d, kind=FundKind.GRANTED, amount=Decimal("12500.50"), on_date=TODAY(), purpose="经费", by=officer
    )
    client.force_login(officer)
    response = client.get(reverse("pilots:list"))
    row = response.context["rows"][0]
    assert (row.progress.done, row.progress.applicable) == (1, 3)
    assert row.granted == Decimal("12500.50") and row.paid == 0
    html = response.content.decode()
    assert "1 / 3" in html and "12500.50" in html.replace(",", "")


def test_filters(client, users, yn_enterprise, kunming):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer, n=1)
    other = _pilots(1, kunming, officer, number="昆工发〔2025〕2号", n=2)[0]
    client.force_login(users["admin"])
    url = reverse("pilots:list")

    def shown(**params):
        return {r.pk for r in client.get(url, params).context["rows"]}

    assert shown() >= {d.pk, other.pk}
    assert shown(document="昆工发") == {other.pk}
    second = other.measures.order_by("document_id", "position").last()
    assert shown(measure=second.code) == {other.pk}
    assert shown(prefecture="530100") >= {d.pk, other.pk}
    assert shown(prefecture="530300") == set()
    services.pilot_end(designation=d, expected_version=d.version, ends_on=TODAY(), by=officer)
    assert d.pk in shown(status=PilotStatus.ENDED) and other.pk not in shown(status=PilotStatus.ENDED)


def test_export_holds_the_rows_as_the_list(client, users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer, n=2)
    services.fund_record(
        designation=d, kind=FundKind.GRANTED, amount=Decimal("8000"), on_date=TODAY(), purpose="=cmd()", by=officer
    )
    services.fund_record(
        designation=d, kind=FundKind.PAID, amount=Decimal("3000"), on_date=TODAY(), purpose="培训", by=officer
    )
    PilotDesignation.objects.filter(pk=d.pk).update(note="=HYPERLINK(1)")
    client.force_login(users["sasac-yn"])
    response = client.get(reverse("pilots:export"))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称" and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["企业名称"] == yn_enterprise.name and row["认定文号"] == d.document_number
    assert (row["试点措施完成数"], row["试点措施适用数"]) == (0, 2)
    assert (row["下达经费（元）"], row["拨付经费（元）"]) == (8000, 3000)
    assert row["备注"] == "=HYPERLINK(1)"  # text, never a formula
    assert sheet.cell(row=2, column=15).data_type == "s"


def test_the_pilot_page_records_a_fund_and_says_why_not(client, users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer)
    client.force_login(officer)
    url = reverse("pilots:fund_add", args=[d.pk])
    day = TODAY().isoformat()
    refused = client.post(url, {"kind": "paid", "amount": "100", "on_date": day, "purpose": "培训"})
    assert refused.status_code == 400
    assert "将超过已下达的" in refused.content.decode() and not PilotFund.objects.exists()
    done = client.post(url, {"kind": "granted", "amount": "100", "on_date": day, "purpose": "工作经费"})
    assert done.status_code == 302 and PilotFund.objects.get().amount == Decimal("100")
    page = client.get(reverse("pilots:detail", args=[d.pk])).content.decode()
    assert "工作经费" in page and 'id="fund-form"' in page


def test_sasac_and_the_enterprise_read_the_pilot_without_forms(client, users, yn_enterprise):
    d = designate(yn_enterprise, users["officer-yn"])
    for role in ("sasac-yn", "enterprise-yn"):
        client.force_login(users[role])
        page = client.get(reverse("pilots:detail", args=[d.pk]))
        assert page.status_code == 200
        assert 'id="fund-form"' not in page.content.decode()
    client.force_login(users["enterprise-sx"])
    assert client.get(reverse("pilots:detail", args=[d.pk])).status_code == 404


def test_designate_from_the_enterprise_page(client, users, yn_enterprise):
    officer = users["officer-yn"]
    client.force_login(officer)
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert reverse("pilots:designate", args=[yn_enterprise.pk]) in page
    measures = scope_measures(yn_enterprise, 2)
    response = client.post(
        reverse("pilots:designate", args=[yn_enterprise.pk]),
        {
            "region": yn_enterprise.region_id,
            "document_number": "昆工发〔2024〕12号",
            "designated_on": (TODAY() - timedelta(days=3)).isoformat(),
            "measures": [m.pk for m in measures],
            "note": "",
        },
    )
    d = PilotDesignation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pilots:detail", args=[d.pk])
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert "昆工发〔2024〕12号" in page
    # the enterprise's own user sees its designation, and no button
    client.force_login(users["enterprise-yn"])
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert "昆工发〔2024〕12号" in page and reverse("pilots:designate", args=[yn_enterprise.pk]) not in page


def test_designation_form_refuses_a_future_date_at_the_field(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    response = client.post(
        reverse("pilots:designate", args=[yn_enterprise.pk]),
        {
            "region": yn_enterprise.region_id,
            "document_number": "昆工发〔2024〕12号",
            "designated_on": (TODAY() + timedelta(days=3)).isoformat(),
            "measures": [m.pk for m in scope_measures(yn_enterprise, 1)],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["designated_on"] == ["认定日期不能晚于今天。"]
    assert not PilotDesignation.objects.exists()


def test_the_edit_form_refuses_a_stale_version(client, users, yn_enterprise):
    officer = users["officer-yn"]
    d = designate(yn_enterprise, officer)
    client.force_login(officer)
    body = {
        "region": yn_enterprise.region_id,
        "document_number": "新文号",
        "designated_on": d.designated_on.isoformat(),
        "measures": [m.pk for m in scope_measures(yn_enterprise, 1)],
        "version": d.version,
    }
    assert client.post(reverse("pilots:edit", args=[d.pk]), body).status_code == 302
    stale = client.post(reverse("pilots:edit", args=[d.pk]), {**body, "document_number": "又一个"})
    assert stale.status_code == 200 and "已在别处被修改" in stale.content.decode()
    d.refresh_from_db()
    assert d.document_number == "新文号"


def test_find_leads_to_the_designation_form_of_an_enterprise_in_charge(client, users, yn_enterprise, sx_soe):
    client.force_login(users["officer-yn"])
    found = client.get(reverse("pilots:find"), {"code": yn_enterprise.credit_code.lower()})
    assert found["Location"] == reverse("pilots:designate", args=[yn_enterprise.pk])
    other = client.get(reverse("pilots:find"), {"code": sx_soe.credit_code})
    assert other["Location"] == reverse("pilots:list")


def test_the_menu_offers_pilots_to_those_who_list_them(client, users):
    for role, offered in (("officer-yn", True), ("sasac-yn", True), ("enterprise-yn", False)):
        client.force_login(users[role])
        html = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("pilots:list")}"' in html) is offered, role


def test_a_prefecture_officer_cannot_change_a_provincial_designation(client, users, yn_enterprise, province_officer):
    d = designate(yn_enterprise, province_officer, region=Region.objects.get(code="530000"))
    client.force_login(users["officer-yn"])
    assert client.get(reverse("pilots:detail", args=[d.pk])).status_code == 200
    assert client.get(reverse("pilots:edit", args=[d.pk])).status_code == 403
    assert client.post(reverse("pilots:fund_add", args=[d.pk]), {}).status_code == 403
