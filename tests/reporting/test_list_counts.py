"""The enterprise list's `?status=` / `?document=` counts kept per place (reporting/list_counts.py,
enterprises/list_counts.py) equal a count made here, row by row, from the progress and the one applicability rule
(`tally_oracle.applies`), after progress is inserted, updated (one row, a set), deleted; after an enterprise's facts
change (a document no longer applies), it moves to another prefecture or county; after a measure's conditions change
(the catalogue). The list's count for each user, status and document equals a COUNT of the filtered rows; the check
finds a count written around the triggers and the rebuild repairs it."""

import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from enterprises.choices import SupervisionLevel
from enterprises.filters import EnterpriseFilter
from enterprises.list_counts import ANY
from enterprises.models import Enterprise, ListedCount, Region
from enterprises.selectors import enterprises_listed
from measures.choices import Status
from measures.models import Measure, PolicyDocument, Progress
from reporting import list_counts, tallies
from tests.factories.groups import county, make_county_officer
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import applies

pytestmark = pytest.mark.django_db


def counted_in_python() -> dict[tuple, int]:
    """{(document id or None, status or ANY, region id, county id): enterprises} from every progress row."""
    members: set[tuple] = set()
    for p in Progress.objects.select_related("enterprise__region", "measure__scope").order_by():
        if not applies(p.measure.scope, p.enterprise):
            continue
        e = p.enterprise
        members.add((e.pk, None, p.status, e.region_id, e.county_id))
        members.add((e.pk, p.measure.document_id, p.status, e.region_id, e.county_id))
        members.add((e.pk, p.measure.document_id, ANY, e.region_id, e.county_id))
    return dict(Counter(m[1:] for m in members))


def kept() -> dict[tuple, int]:
    rows = ListedCount.objects.values_list("document_id", "status", "region_id", "county_id", "enterprises")
    found: dict[tuple, int] = {}
    for *key, n in rows:
        found[tuple(key)] = found.get(tuple(key), 0) + n
    return {k: n for k, n in found.items() if n}


def assert_counts_agree():
    assert kept() == counted_in_python()
    assert list_counts.drift() == {"documents": {}, "listed": {}}
    assert not any(tallies.drift().values())


def listed_count(user, **params) -> tuple[int | None, int]:
    """(the count the list reads from the kept counts, a COUNT of the list's filtered rows) for `user`."""
    request = RequestFactory().get("/enterprises/", params)
    request.user = user
    qs = enterprises_listed(user=user).order_by("region__code", "name", "pk")
    filterset = EnterpriseFilter(request.GET, queryset=qs, request=request)
    return filterset.kept_count(), filterset.qs.count()


def test_kept_counts_follow_progress_facts_moves_and_the_catalogue(kunming, xian):
    rng = random.Random(12)
    make_enterprises(30, seed=12)
    assert ListedCount.objects.exists()
    assert_counts_agree()
    # progress written every way: one row saved, a set updated, rows deleted, rows created again
    row = Progress.objects.filter(status=Status.NOT_STARTED).first()
    row.status, row.percent = Status.DONE, 100
    row.save()
    assert_counts_agree()
    Progress.objects.filter(measure__code="YN-03").update(status=Status.ONGOING, percent=100)
    assert_counts_agree()
    gone = list(Progress.objects.order_by("pk").values("enterprise_id", "measure_id", "status", "percent")[:8])
    Progress.objects.filter(pk__in=list(Progress.objects.order_by("pk").values_list("pk", flat=True)[:8])).delete()
    assert_counts_agree()
    Progress.objects.bulk_create([Progress(**g) for g in gone])
    for p in Progress.objects.order_by("pk")[:40]:
        Progress.objects.filter(pk=p.pk).update(status=rng.choice(list(Status.values)), percent=rng.randint(0, 100))
    Progress.objects.filter(pk__in=list(Progress.objects.values_list("pk", flat=True)[:60])).update(
        status=Status.IN_PROGRESS
    )
    assert_counts_agree()
    # facts: a Shaanxi SOE becomes a central subsidiary (no document of the province applies to it any more)
    soe = Enterprise.objects.filter(region__parent__code="610000", progress__isnull=False).distinct().first()
    assert ListedCount.objects.filter(region=soe.region, document__isnull=False, status=ANY).exists()
    Enterprise.objects.filter(pk=soe.pk).update(supervision_level=SupervisionLevel.CENTRAL)
    assert_counts_agree()
    Enterprise.objects.filter(region__parent__code="530000").update(leading=False, has_board=False)
    assert_counts_agree()
    # moves: to another prefecture, into a county, and a move with a change of facts in one statement
    qujing = Region.objects.get(code="530300")
    in_yunnan = Enterprise.objects.filter(region__parent__code="530000", progress__isnull=False).exclude(region=qujing)
    movers = list(in_yunnan.distinct().order_by("pk")[:3])
    assert len(movers) == 3
    Enterprise.objects.filter(pk=movers[0].pk).update(region=qujing)
    assert_counts_agree()
    Enterprise.objects.filter(pk=movers[1].pk).update(county=county("530102"))
    assert_counts_agree()
    Enterprise.objects.filter(pk__in=[movers[1].pk, movers[2].pk]).update(region=qujing, county=None, leading=True)
    assert_counts_agree()
    # the catalogue: a measure's conditions change (it is pointed at another scope)
    measure = Measure.objects.get(code="YN-04")
    measure.conditions = {"leading": True}
    measure.save()
    assert_counts_agree()
    measure.conditions = {}
    measure.save()
    assert_counts_agree()
    # deleted enterprises (their progress first, as the ORM deletes them)
    Enterprise.objects.filter(pk__in=[movers[0].pk, soe.pk]).delete()
    assert_counts_agree()


def test_the_list_count_equals_the_rows_for_every_user_status_and_document(users, kunming, xian):
    make_enterprises(24, seed=13)
    wuhua = county("530102")
    Enterprise.objects.filter(pk__in=Enterprise.objects.filter(region=kunming).values("pk")[:4]).update(county=wuhua)
    named = Enterprise.objects.filter(region__parent__code="610000").first()
    users["county-officer"] = make_county_officer("t-county", counties=[wuhua], enterprises=[named])
    documents = list(PolicyDocument.objects.values_list("code", flat=True))
    cases = [{"status": s} for s in Status.values] + [{"document": d} for d in documents]
    cases += [{"document": documents[0], "status": s} for s in Status.values]
    checked = 0
    for name, user in users.items():
        for params in cases:
            kept_count, rows = listed_count(user, **params)
            assert kept_count is not None, (name, params)
            assert kept_count == rows, (name, params)
            checked += rows
    assert checked > 0
    # any other filter: the rows are counted (None: the paginator's own COUNT)
    assert listed_count(users["sasac-yn"], status=Status.DONE, region=kunming.pk)[0] is None
    assert listed_count(users["sasac-yn"])[0] is None


def test_the_check_finds_a_wrong_count_and_the_rebuild_repairs_it(kunming):
    make_enterprises(6, seed=14, province_codes=("530000",))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ListedCount._meta.db_table} SET enterprises = enterprises + 1 WHERE status = ''")
        cursor.execute(f"DELETE FROM {list_counts.DOCUMENTS} WHERE id = (SELECT MIN(id) FROM {list_counts.DOCUMENTS})")
    drift = list_counts.drift()
    assert drift["listed"] and len(drift["documents"]) == 1
    with pytest.raises(Exception, match="differ"):
        call_command("rollup", "--check-tallies", stdout=open("/dev/null", "w"))
    call_command("rollup", "--rebuild-tallies", stdout=open("/dev/null", "w"))
    assert_counts_agree()


def test_fold_merges_the_rows_of_each_key_and_keeps_the_counts(kunming, monkeypatch):
    make_enterprises(12, seed=15, province_codes=("530000",))
    for status in (Status.IN_PROGRESS, Status.NOT_STARTED, Status.DONE, Status.ONGOING):
        for p in Progress.objects.order_by("pk")[:30]:
            Progress.objects.filter(pk=p.pk).update(status=status)
    before, rows = kept(), ListedCount.objects.count()
    monkeypatch.setattr(list_counts, "FOLD_SLACK", 0)
    with connection.cursor() as cursor:
        for document_id in PolicyDocument.objects.values_list("pk", flat=True):
            list_counts.fold(cursor, document_id)
        list_counts.fold(cursor)
    keys = ListedCount.objects.values("document", "status", "region", "county").distinct().count()
    assert ListedCount.objects.count() == keys < rows
    assert kept() == before
    assert_counts_agree()
