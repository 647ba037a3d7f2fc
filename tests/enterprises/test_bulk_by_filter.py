"""A campaign's bulk update selects its enterprises by the list's filter ("every enterprise of 曲靖 still 未启动 on
YN-04"), previews the count and the first names, and writes on confirm if the selection is still the one previewed:
scoped to the user's charge, only where the measure applies, all or nothing, one history event per change."""

import time
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from enterprises import bulk_selection
from enterprises.models import Enterprise, Region
from measures.choices import Status
from measures.models import Measure, Progress, ProgressEvent
from measures.services import progress_update
from reform_portal.choices import ChangeSource
from tests.factories import EnterpriseFactory, make_officer

pytestmark = pytest.mark.django_db
URL = reverse("enterprises:bulk_by_filter")


@pytest.fixture
def qujing(db):
    return Region.objects.get(code="530300")


@pytest.fixture
def yn04(db):
    return Measure.objects.get(code="YN-04")


@pytest.fixture
def officer_qj(qujing):
    return make_officer("t-officer-qj", regions=[qujing])


def enterprises_in(region, n, measure, *, county=None, status=Status.NOT_STARTED, **facts) -> list[Enterprise]:
    """`n` enterprises of `region` (factories, one INSERT), each with its row on `measure` (one INSERT)."""
    percent = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: 40}.get(status, 100)
    built = EnterpriseFactory.build_batch(n, region=region, county=county, **facts)
    made = Enterprise.objects.bulk_create(built, batch_size=5000)
    Progress.objects.bulk_create(
        [Progress(enterprise=e, measure=measure, status=status, percent=percent) for e in made], batch_size=5000
    )
    return made


def values(measure, **given) -> dict:
    data = {
        "bulk-measure": measure.pk,
        "bulk-current": Status.NOT_STARTED,
        "bulk-status": Status.IN_PROGRESS,
        "bulk-percent": 30,
        "bulk-note": "全市专项行动",
    }
    data.update({f"bulk-{k}": v for k, v in given.items()})
    return data


def preview(client, filters: dict, measure, **given):
    return client.get(f"{URL}?{urlencode({**filters, **values(measure, **given)}, doseq=True)}")


def confirm(client, filters: dict, measure, token, **given):
    return client.post(f"{URL}?{urlencode(filters, doseq=True)}", {**values(measure, **given), "bulk-token": token})


def bulk_events():
    return ProgressEvent.objects.filter(source=ChangeSource.BULK)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_5000_enterprises_by_filter_in_bounded_queries_each_change_in_the_history(
    client, officer_qj, qujing, kunming, yn04, django_assert_max_num_queries
):
    chosen = enterprises_in(qujing, 5000, yn04)
    started = enterprises_in(qujing, 30, yn04, status=Status.IN_PROGRESS)  # not 未启动 any more: left out
    elsewhere = enterprises_in(kunming, 20, yn04)  # not 曲靖 (and not the officer's)
    client.force_login(officer_qj)
    filters = {"region": qujing.pk}

    shown = preview(client, filters, yn04)

    assert shown.status_code == 200
    p = shown.context["preview"]
    assert (p.count, p.changes, p.plan.problems) == (5000, 5000, [])
    # the first 20 names, by name, of those that will change (an independent count: the rows as created)
    assert p.sample == sorted(e.name for e in chosen)[:20]
    assert "5000" in shown.content.decode() and p.sample[0] in shown.content.decode()

    started_at = time.perf_counter()
    with django_assert_max_num_queries(30):
        done = confirm(client, filters, yn04, p.token)
    elapsed = time.perf_counter() - started_at
    print(f"\nconfirm of 5,000 enterprises: {elapsed:.2f} s")

    assert done.status_code == 302 and done.url == f"{reverse('enterprises:list')}?region={qujing.pk}"
    assert "5000 家企业" in texts(done)[0]
    rows = Progress.objects.filter(measure=yn04, enterprise__in=chosen)
    assert rows.filter(status=Status.IN_PROGRESS, percent=30, note="全市专项行动", version=2).count() == 5000
    events = bulk_events()
    assert events.count() == 5000
    assert set(events.values_list("pgh_obj_id", flat=True)) == set(rows.values_list("pk", flat=True))
    assert set(events.values_list("changed_by_id", flat=True)) == {officer_qj.pk}
    untouched = Progress.objects.filter(enterprise__in=started + elsewhere)
    assert set(untouched.values_list("version", flat=True)) == {1}


def test_queries_do_not_grow_with_the_selection(client, officer_qj, qujing, yn04):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer_qj)
    counts = []
    for n, prefix in ((3, "甲"), (60, "乙")):
        enterprises_in(qujing, n, yn04, name=factory_name(prefix))
        filters = {"region": qujing.pk, "q": prefix}
        token = preview(client, filters, yn04).context["preview"].token
        with CaptureQueriesContext(connection) as seen:
            assert confirm(client, filters, yn04, token).status_code == 302
        counts.append(len(seen.captured_queries))
    assert counts[0] == counts[1]
    assert bulk_events().count() == 63


def factory_name(prefix):
    import factory

    return factory.Sequence(lambda n: f"{prefix}测试企业{n:05d}有限公司")


def test_an_officer_never_reaches_outside_the_charge_whatever_the_query_string(
    client, users, qujing, kunming, xian, yn04, yn_enterprise
):
    from enterprises.models import Region as R

    qilin = R.objects.get(code="530302")  # 麒麟区, 曲靖市
    outside = enterprises_in(qujing, 5, yn04, county=qilin)
    mine = enterprises_in(kunming, 4, yn04)
    officer = users["officer-yn"]  # 昆明市
    client.force_login(officer)

    # a region the filter does not offer (another province) is refused, not dropped (django-filter would drop it
    # and widen the selection to the whole charge)
    for region in (xian.pk, "no-such-region"):
        refused = preview(client, {"region": region}, yn04)
        assert refused.status_code == 400 and refused.context["preview"] is None
        assert "筛选条件无效" in " ".join(texts(refused))
        assert confirm(client, {"region": region}, yn04, "x").status_code == 400
    # another prefecture of the province is offered, and selects nothing of the charge
    other = preview(client, {"region": qujing.pk}, yn04)
    assert other.status_code == 200 and other.context["preview"].count == 0
    # a county of another prefecture of the province is offered by the filter, and selects nothing of the charge
    county = preview(client, {"county": qilin.code}, yn04)
    assert county.status_code == 200 and county.context["preview"].count == 0
    assert "确认更新" not in county.content.decode()
    nothing = confirm(client, {"county": qilin.code}, yn04, county.context["preview"].token)
    assert nothing.status_code == 302 and "没有需要更新的企业" in texts(nothing)[0]
    # the name of an enterprise outside the charge selects nothing either
    by_name = preview(client, {"q": outside[0].name}, yn04)
    assert by_name.context["preview"].count == 0

    # no filter: the charge, not the province
    everything = preview(client, {}, yn04).context["preview"]
    mine_ids = {e.pk for e in mine} | {yn_enterprise.pk}
    assert {r.enterprise_id for r in everything.plan.updated} == mine_ids
    assert confirm(client, {}, yn04, everything.token).status_code == 302
    assert set(bulk_events().values_list("pgh_obj__enterprise_id", flat=True)) == mine_ids
    assert not Progress.objects.filter(enterprise__in=outside).exclude(version=1).exists()


def test_the_status_on_the_measure_narrows_the_selection(client, officer_qj, qujing, yn04):
    waiting = enterprises_in(qujing, 4, yn04)
    going = enterprises_in(qujing, 3, yn04, status=Status.IN_PROGRESS)
    client.force_login(officer_qj)

    only_waiting = preview(client, {"region": qujing.pk}, yn04).context["preview"]
    assert {r.enterprise_id for r in only_waiting.plan.updated} == {e.pk for e in waiting}
    going_to_done = preview(client, {}, yn04, current=Status.IN_PROGRESS, status=Status.DONE, percent=100)
    assert {r.enterprise_id for r in going_to_done.context["preview"].plan.updated} == {e.pk for e in going}
    any_status = preview(client, {}, yn04, current="", percent=40).context["preview"]
    # 推进中 at 40 % already: unchanged but for the note
    assert any_status.count == 7 and any_status.changes == 7
    same_note = preview(client, {}, yn04, current="", percent=40, note="").context["preview"]
    assert (same_note.count, same_note.changes, len(same_note.plan.unchanged)) == (7, 4, 3)

    assert (
        confirm(
            client,
            {},
            yn04,
            going_to_done.context["preview"].token,
            current=Status.IN_PROGRESS,
            status=Status.DONE,
            percent=100,
        ).status_code
        == 302
    )
    assert set(Progress.objects.filter(status=Status.DONE).values_list("enterprise_id", flat=True)) == {
        e.pk for e in going
    }


def test_enterprises_the_measure_does_not_apply_to_are_left_out(client, officer_qj, qujing, yn04):
    leading = enterprises_in(qujing, 3, yn04, leading=True)
    others = enterprises_in(qujing, 4, yn04, leading=False)  # keep their rows, which no longer count
    yn04.conditions = {"leading": True}
    yn04.save()  # the catalogue says YN-04 is for 龙头企业 only (a save recomputes its scope)
    client.force_login(officer_qj)

    shown = preview(client, {"region": qujing.pk}, yn04).context["preview"]

    assert {r.enterprise_id for r in shown.plan.updated} == {e.pk for e in leading}
    assert confirm(client, {"region": qujing.pk}, yn04, shown.token).status_code == 302
    assert not Progress.objects.filter(enterprise__in=others).exclude(version=1).exists()
    # a measure of another province applies to none of them
    shaanxi = Measure.objects.tracked().filter(document__province__code="610000").first()
    assert preview(client, {}, shaanxi).context["preview"].count == 0


def test_a_stale_preview_is_refused_and_nothing_is_written(client, officer_qj, qujing, yn04):
    chosen = enterprises_in(qujing, 6, yn04)
    client.force_login(officer_qj)
    token = preview(client, {"region": qujing.pk}, yn04).context["preview"].token

    # someone starts one of them meanwhile: it leaves the selection (no longer 未启动)
    row = Progress.objects.get(enterprise=chosen[0], measure=yn04)
    progress_update(progress=row, status=Status.IN_PROGRESS, percent=10, note="", by=None, expected_version=None)
    refused = confirm(client, {"region": qujing.pk}, yn04, token)

    assert refused.status_code == 409
    assert refused.context["preview"].count == 5
    page = refused.content.decode()
    assert "已有变化" in page and "未保存任何更改" in page and "5 家" in page
    assert not bulk_events().exists()
    assert Progress.objects.filter(measure=yn04, percent=30).count() == 0

    # a new enterprise joins the filter: stale as well
    token = refused.context["preview"].token
    enterprises_in(qujing, 1, yn04)
    assert confirm(client, {"region": qujing.pk}, yn04, token).status_code == 409
    # values other than the previewed ones: stale
    token = preview(client, {"region": qujing.pk}, yn04).context["preview"].token
    assert confirm(client, {"region": qujing.pk}, yn04, token, percent=35).status_code == 409
    assert not bulk_events().exists()
    # the fresh token of the refusal page goes through
    fresh = confirm(client, {"region": qujing.pk}, yn04, token, percent=35).context["preview"].token
    assert confirm(client, {"region": qujing.pk}, yn04, fresh, percent=35).status_code == 302
    assert bulk_events().count() == 6


def test_the_size_is_bounded(client, officer_qj, qujing, yn04, monkeypatch):
    enterprises_in(qujing, 4, yn04)
    monkeypatch.setattr(bulk_selection, "MAX_ENTERPRISES", 3)
    client.force_login(officer_qj)

    shown = preview(client, {"region": qujing.pk}, yn04)
    assert shown.context["preview"].too_many and shown.context["preview"].count == 4
    page = shown.content.decode()
    assert "超过单次批量更新的上限（3 家）" in page and "确认更新" not in page

    monkeypatch.setattr(bulk_selection, "MAX_ENTERPRISES", 10)
    token = preview(client, {"region": qujing.pk}, yn04).context["preview"].token
    monkeypatch.setattr(bulk_selection, "MAX_ENTERPRISES", 3)
    refused = confirm(client, {"region": qujing.pk}, yn04, token)
    assert refused.status_code == 400 and "超过单次批量更新的上限" in refused.content.decode()
    assert not bulk_events().exists()


def test_validation_errors_are_shown_next_to_the_field(client, officer_qj, qujing, yn04):
    enterprises_in(qujing, 2, yn04, status=Status.IN_PROGRESS)
    client.force_login(officer_qj)

    wrong = preview(client, {}, yn04, status=Status.DONE, percent=50)
    assert wrong.status_code == 400 and wrong.context["preview"] is None
    assert list(wrong.context["form"].errors) == ["percent"]
    page = wrong.content.decode()
    field = page[page.index('id="div_id_bulk-percent"') :]
    field = field[: field.index('id="div_id_bulk-note"')]  # the percent field's block, up to the next field
    assert "is-invalid" in field and "状态为“已完成”时完成百分比应为 100。" in field
    missing = client.get(URL, {**values(yn04), "bulk-measure": ""})
    assert missing.status_code == 400 and "measure" in missing.context["form"].errors

    # a move back needs a note: judged per enterprise in the preview, no confirm button
    back = preview(client, {}, yn04, current="", status=Status.IN_PROGRESS, percent=10, note="")
    shown = back.context["preview"]
    assert len(shown.plan.problems) == 2 and "回退" in shown.plan.problems[0]
    assert "确认更新" not in back.content.decode()
    # and a confirm anyway is refused by the service, nothing written
    refused = confirm(client, {}, yn04, shown.token, current="", status=Status.IN_PROGRESS, percent=10, note="")
    assert refused.status_code == 400 and "回退" in refused.content.decode()
    assert not bulk_events().exists()


@pytest.mark.parametrize("role", ["sasac-yn", "enterprise-yn"])
def test_roles_that_may_not_update_progress_are_refused(client, users, qujing, yn04, role):
    enterprises_in(qujing, 2, yn04)
    client.force_login(users[role])
    assert preview(client, {}, yn04).status_code == 403
    assert confirm(client, {}, yn04, "x").status_code == 403
    assert not bulk_events().exists()


def test_the_list_links_to_the_bulk_update_with_its_filter(client, users, kunming):
    client.force_login(users["officer-yn"])
    page = client.get(reverse("enterprises:list"), {"region": kunming.pk, "lagging": "true", "page": 1})
    assert f'href="{URL}?region={kunming.pk}&amp;lagging=true"' in page.content.decode()
    client.force_login(users["sasac-yn"])
    assert URL not in client.get(reverse("enterprises:list")).content.decode()


def test_the_page_posts_its_preview_so_a_long_note_fits(client, officer_qj, qujing, yn04):
    from reform_portal.text_limits import NOTE_MAX_CHARS

    enterprises_in(qujing, 3, yn04)
    client.force_login(officer_qj)
    note = "说" * NOTE_MAX_CHARS  # ~18 KB once in a URL: more than a request line may carry

    shown = client.post(f"{URL}?region={qujing.pk}", values(yn04, note=note))  # no token: a preview

    assert shown.status_code == 200 and shown.context["preview"].changes == 3
    assert not bulk_events().exists()
    done = confirm(client, {"region": qujing.pk}, yn04, shown.context["preview"].token, note=note)
    assert done.status_code == 302 and bulk_events().count() == 3
    assert set(Progress.objects.filter(measure=yn04).values_list("note", flat=True)) == {note}
