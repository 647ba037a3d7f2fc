"""The officer's list: search, filters (one FilterSet for page, export and API), sort, and a fixed query count."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.choices import Industry, Ownership
from measures.choices import Status
from measures.models import Progress
from measures.services import progress_ensure
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [e.name for e in response.context["page"].object_list]


@pytest.fixture
def kunming_set(kunming, yn_enterprise):
    """yn_enterprise (all 未启动: lagging), a fresh up-to-date one, and one left alone for 120 days."""
    busy = EnterpriseFactory(name="昆明活跃电子有限公司", region=kunming, industry=Industry.I)
    progress_ensure(enterprise=busy)
    Progress.objects.filter(enterprise=busy).update(status=Status.DONE, percent=100)
    idle = EnterpriseFactory(name="昆明沉睡建工集团", region=kunming, industry=Industry.E, soe=True)
    progress_ensure(enterprise=idle)
    Progress.objects.filter(enterprise=idle).update(status=Status.IN_PROGRESS, percent=50)
    Progress.objects.filter(enterprise=idle).update(updated_at=timezone.now() - timedelta(days=120))
    return {"untouched": yn_enterprise, "busy": busy, "idle": idle}


def test_search_by_name_and_credit_code(client, users, kunming_set):
    client.force_login(users["officer-yn"])
    busy = kunming_set["busy"]
    assert names(client.get("/enterprises/", {"q": "活跃"})) == [busy.name]
    assert names(client.get("/enterprises/", {"q": busy.credit_code[-8:].lower()})) == [busy.name]


def test_lagging_filter(client, users, kunming_set):
    client.force_login(users["officer-yn"])
    lagging = set(names(client.get("/enterprises/", {"lagging": "true"})))
    assert lagging == {kunming_set["untouched"].name, kunming_set["idle"].name}
    assert names(client.get("/enterprises/", {"lagging": "false"})) == [kunming_set["busy"].name]


def test_filters_by_industry_ownership_status_and_document(client, users, kunming_set):
    client.force_login(users["officer-yn"])
    assert names(client.get("/enterprises/", {"industry": "E"})) == [kunming_set["idle"].name]
    assert names(client.get("/enterprises/", {"ownership": [Ownership.STATE_SOLE]})) == [kunming_set["idle"].name]
    assert set(names(client.get("/enterprises/", {"status": Status.DONE}))) == {kunming_set["busy"].name}
    assert set(names(client.get("/enterprises/", {"status": Status.NOT_STARTED}))) == {kunming_set["untouched"].name}
    assert len(names(client.get("/enterprises/", {"document": "yn-2022-21"}))) == 3
    assert names(client.get("/enterprises/", {"document": "sx-2023-21"})) == []


def test_prefecture_filter_and_province(client, users, kunming_set):
    from enterprises.models import Region

    other = EnterpriseFactory(name="曲靖测试公司", region=Region.objects.get(code="530300"))
    client.force_login(users["admin"])
    assert other.name not in names(client.get("/enterprises/", {"region": Region.objects.get(code="530100").pk}))
    assert other.name in names(client.get("/enterprises/", {"region": Region.objects.get(code="530000").pk}))


def test_sort_by_done_count(client, users, kunming_set):
    client.force_login(users["officer-yn"])
    ordered = names(client.get("/enterprises/", {"sort": "-done"}))
    assert ordered[0] == kunming_set["busy"].name
    assert names(client.get("/enterprises/", {"sort": "done"}))[-1] == kunming_set["busy"].name


def test_rows_show_done_over_applicable_and_last_update(client, users, kunming_set):
    client.force_login(users["officer-yn"])
    html = client.get("/enterprises/", {"q": "活跃"}).content.decode()
    count = Progress.objects.filter(enterprise=kunming_set["busy"]).count()
    assert f"{count}/{count}" in html and "100%" in html


def test_export_follows_the_filter(client, users, kunming_set):
    client.force_login(users["officer-yn"])
    response = client.get("/enterprises/export/", {"lagging": "true"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == (
        "企业名称",
        "统一社会信用代码",
        "上级集团（母公司）统一社会信用代码",
        "所在州（市）",
        "所在县（市、区）",
    )
    assert {r[0] for r in rows[1:]} == {kunming_set["untouched"].name, kunming_set["idle"].name}


def test_export_is_scoped(client, users, kunming_set, sx_soe):
    client.force_login(users["officer-sx"])
    sheet = load_workbook(io.BytesIO(client.get("/enterprises/export/").content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [sx_soe.name]
    client.force_login(users["enterprise-yn"])
    assert client.get("/enterprises/export/").status_code == 403


def test_api_uses_the_same_filters(users, kunming_set):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    data = api.get("/api/enterprises/", {"lagging": "true", "sort": "name"}).json()
    assert {e["name"] for e in data["results"]} == {kunming_set["untouched"].name, kunming_set["idle"].name}
    busy = api.get("/api/enterprises/", {"status": "done"}).json()["results"]
    assert [e["name"] for e in busy] == [kunming_set["busy"].name] and busy[0]["done_count"] == busy[0][
        "applicable_count"
    ]


def make_enterprises(region, n):
    for _ in range(n):
        progress_ensure(enterprise=EnterpriseFactory(region=region))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lagging": "true", "sort": "-updated"},
        {"document": "yn-2022-21", "status": "not_started"},
        {"status": "in_progress", "sort": "-done"},
        {"sort": "percent", "page": "2"},
    ],
)
def test_list_query_count_does_not_grow(client, users, kunming, django_assert_max_num_queries, params):
    client.force_login(users["officer-yn"])
    make_enterprises(kunming, 2)
    client.get("/enterprises/", params)  # warm caches (content types, sessions)
    # the county and group selects cost a query each; the login gate reads the account's state and devices (2);
    # the list three: its count, the page's ids, the page's rows with their figures (by those ids)
    with django_assert_max_num_queries(17) as small:
        assert client.get("/enterprises/", params).status_code == 200
    make_enterprises(kunming, 20)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get("/enterprises/", params)
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# County and group --------------------------------------------------------------------------------------------------


def county(code):
    from enterprises.models import Region

    return Region.objects.get(code=code)


@pytest.fixture
def group(kunming, xian):
    """A three-level group in Kunming, a subsidiary in Xi'an, and an unrelated Kunming enterprise."""
    head = EnterpriseFactory(name="昆明测试集团有限公司", region=kunming, county=county("530102"))
    child = EnterpriseFactory(name="昆明测试集团盘龙子公司", region=kunming, county=county("530103"), parent=head)
    grandchild = EnterpriseFactory(name="昆明测试集团孙公司", region=kunming, county=county("530102"), parent=child)
    far = EnterpriseFactory(name="昆明测试集团西安子公司", region=xian, county=county("610113"), parent=head)
    other = EnterpriseFactory(name="昆明无关企业有限公司", region=kunming, county=county("530102"))
    return {"head": head, "child": child, "grandchild": grandchild, "far": far, "other": other}


def test_county_filter(client, users, group):
    client.force_login(users["officer-yn"])
    assert set(names(client.get("/enterprises/", {"county": "530102"}))) == {
        group["head"].name,
        group["grandchild"].name,
        group["other"].name,
    }
    assert names(client.get("/enterprises/", {"county": "530103"})) == [group["child"].name]


def test_county_select_is_grouped_by_prefecture(client, users, group):
    import re

    client.force_login(users["officer-yn"])
    html = client.get("/enterprises/").content.decode()
    select = re.search(r'<select name="county".*?</select>', html, re.S).group(0)
    assert '<optgroup label="云南省 昆明市">' in select and '<option value="530102">五华区</option>' in select
    assert "雁塔区" not in select


def test_group_filter_is_the_enterprise_and_all_its_descendants(client, users, group):
    client.force_login(users["officer-yn"])
    head = group["head"]
    # the visible members: the head, its child and grandchild (the Xi'an subsidiary is not the officer's)
    expected = {group["head"].name, group["child"].name, group["grandchild"].name}
    assert set(names(client.get("/enterprises/", {"group": head.credit_code}))) == expected
    assert set(names(client.get("/enterprises/", {"group": group["child"].credit_code}))) == {
        group["child"].name,
        group["grandchild"].name,
    }
    # the whole group for whoever sees every member
    client.force_login(users["admin"])
    assert set(names(client.get("/enterprises/", {"group": head.credit_code.lower()}))) == expected | {
        group["far"].name
    }


def test_group_choices_are_heads_the_user_sees_or_whose_member_they_see(client, users, group):
    client.force_login(users["officer-sx"])
    response = client.get("/enterprises/", {"group": group["head"].credit_code})
    # Xi'an's officer sees only the Xi'an subsidiary, and may filter by its Kunming parent's group
    assert names(response) == [group["far"].name]
    choices = [str(label) for value, label in response.context["filter"].form.fields["group"].choices if value]
    assert choices == [group["head"].name]
    client.force_login(users["officer-yn"])
    form = client.get("/enterprises/").context["filter"].form
    assert {str(label) for value, label in form.fields["group"].choices if value} == {
        group["head"].name,
        group["child"].name,
    }


def test_rows_show_the_county_the_group_and_the_facts(client, users, group):
    group["child"].above_scale = group["child"].leading = True
    group["child"].save()
    client.force_login(users["officer-yn"])
    html = client.get("/enterprises/", {"county": "530103"}).content.decode()
    assert '<div class="small text-muted enterprise-county">盘龙区</div>' in html
    assert f"上级集团：{group['head'].name}" in html
    assert "enterprise-above-scale" in html and "enterprise-leading" in html


def test_export_and_api_use_the_county_and_group_filters(client, users, group):
    from rest_framework.test import APIClient

    client.force_login(users["officer-yn"])
    sheet = load_workbook(io.BytesIO(client.get("/enterprises/export/", {"county": "530103"}).content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [group["child"].name]
    api = APIClient()
    api.force_authenticate(users["admin"])
    data = api.get("/api/enterprises/", {"group": group["head"].credit_code}).json()
    assert {e["name"] for e in data["results"]} == {group[k].name for k in ("head", "child", "grandchild", "far")}
    assert api.get("/api/enterprises/", {"county": "530103"}).json()["count"] == 1


def test_column_headers_sort_the_list_and_ownership_is_checkboxes(client, users, kunming):
    # given three Kunming enterprises whose names sort one way and whose done counts sort the other
    names = ["甲一测试有限公司", "乙二测试有限公司", "丙三测试有限公司"]
    made = [EnterpriseFactory(name=name, region=kunming) for name in names]
    for done, enterprise in enumerate(made):
        progress_ensure(enterprise=enterprise)
        rows = Progress.objects.filter(enterprise=enterprise).order_by("pk")[:done]
        Progress.objects.filter(pk__in=[r.pk for r in rows]).update(status=Status.DONE, percent=100)
    client.force_login(users["officer-yn"])
    url = reverse("enterprises:list")

    def header(html, label):
        cell = re.search(
            rf'<th[^>]*aria-sort="(\w+)"[^>]*><a class="sort-header[^"]*" href="\?([^"]+)"[^>]*>{label}', html
        )
        return cell.group(1), cell.group(2).replace("&amp;", "&")

    # when the 完成/适用 header is clicked (the search kept, back to page 1)
    html = client.get(url, {"q": "测试有限公司", "page": 2}).content.decode()
    state, query = header(html, "完成/适用")
    assert state == "none" and "sort=done" in query and "q=" in query and "page=" not in query
    html = client.get(f"{url}?{query}").content.decode()

    def shown(html):  # the names in the order of the rows (each row names its enterprise more than once)
        return list(dict.fromkeys(re.findall(r"[甲乙丙][一二三]测试有限公司", html)))

    # then the list is sorted by done, fewest first, the header says so, and a second click reverses it
    assert shown(html) == ["甲一测试有限公司", "乙二测试有限公司", "丙三测试有限公司"]
    state, query = header(html, "完成/适用")
    assert state == "ascending" and "sort=-done" in query
    html = client.get(f"{url}?{query}").content.decode()
    assert shown(html) == ["丙三测试有限公司", "乙二测试有限公司", "甲一测试有限公司"]
    assert header(html, "完成/适用")[0] == "descending"
    # the ownership filter is a set of checkboxes: several are chosen without Ctrl-click
    assert re.search(r'<input type="checkbox" name="ownership" value="state_sole" class="form-check-input"', html)
