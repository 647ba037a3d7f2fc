"""Each drill-down runs the same bounded number of queries whatever the number of enterprises behind its figure,
and its list equals the enterprises the rule selects (computed here from the rows, page by page)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise
from measures.choices import DONE_STATUSES
from measures.lagging import is_lagging
from measures.models import Measure, PolicyDocument, Progress
from reporting import rollup
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import applies

pytestmark = pytest.mark.django_db

DRILL = reverse("reporting:drilldown")


def queries(client, params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DRILL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def every_row(client, params) -> list[int]:
    ids, number = [], 1
    while True:
        page = client.get(DRILL, {**params, "page": number}).context["page"]
        ids += [e.pk for e in page.object_list]
        if not page.has_next():
            return ids
        number += 1


def test_query_count_is_the_same_at_any_size_and_the_rows_are_the_rules(client, users):
    yn = PolicyDocument.objects.get(province__code="530000")
    measure = Measure.objects.tracked().filter(document=yn, scope__ownership__isnull=True).order_by("position")[0]
    kunming = yn.province.children.get(code="530100") if hasattr(yn.province, "children") else None
    from enterprises.models import Region

    kunming = kunming or Region.objects.get(code="530100")
    cases = {
        "lagging": {"figure": "lagging"},
        "applicable": {"figure": "applicable"},
        "cell": {"figure": "completion_rate", "measure": measure.pk, "prefecture": kunming.pk},
        "not started": {"figure": "not_started"},
    }
    client.force_login(users["sasac-yn"])
    counts = {}
    for size, seed in ((8, 1), (120, 2)):
        make_enterprises(size, seed=seed, province_codes=("530000",))
        # some of Kunming's are done on the measure, so that every case lists rows at both sizes
        Progress.objects.filter(
            measure=measure,
            enterprise__region=kunming,
            pk__in=Progress.objects.filter(measure=measure, enterprise__region=kunming).order_by("pk").values("pk")[:3],
        ).update(status="done")
        rollup.rollup_full_now()
        cache.clear()
        for name, extra in cases.items():
            params = {"province": "530000", "document": yn.pk, **extra}
            client.get(DRILL, params)  # the dashboard's figures cached, as between two clicks
            n, response = queries(client, params)
            assert len(response.context["page"].object_list) > 0, (name, size)
            counts.setdefault(name, []).append(n)
    for name, (few, many) in counts.items():
        assert few == many <= 16, (name, few, many)
    # the lists, over every page, equal the rule applied here to each enterprise
    province = Enterprise.objects.filter(region__parent__code="530000")
    lagging = every_row(client, {"province": "530000", "document": yn.pk, "figure": "lagging"})
    assert lagging == sorted(e.pk for e in province.select_related("region") if is_lagging(e))
    # a cell's completion rate: every enterprise of the prefecture asked the measure (the rate's records), those done
    # among them counted in the numerator (each row shows its status)
    cell = every_row(client, {"province": "530000", "document": yn.pk, **cases["cell"]})
    asked = [
        e.pk
        for e in province.filter(region=kunming).select_related("region")
        if applies(yn.scope, e) and applies(measure.scope, e)
    ]
    assert cell == sorted(asked)
    done = Progress.objects.filter(measure=measure, status__in=DONE_STATUSES, enterprise__region=kunming)
    assert set(done.values_list("enterprise_id", flat=True)) <= set(cell)
