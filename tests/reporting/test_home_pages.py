"""The home pages of officers, SASAC staff and administrators read what the database keeps: the documents' figures
from the progress summaries, the slowest enterprises by the lagging rule over the summaries. The figures are
compared with a count made here from the progress rows (the applicability rule's Python face), and the pages run
the same number of queries whatever the number of enterprises."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise
from measures.applicability import scope_applies
from measures.choices import DONE_STATUSES, Status
from measures.models import Progress
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db


def expected_summary(enterprise_filter) -> dict:
    """Per document id: (enterprises, records, done, 未启动, 推进中, mean percent), from the progress rows."""
    out: dict = {}
    rows = Progress.objects.select_related("enterprise__region", "measure__scope")
    for p in rows:
        if not enterprise_filter(p.enterprise) or not scope_applies(p.measure.scope, p.enterprise):
            continue
        d = out.setdefault(p.measure.document_id, {"enterprises": set(), "percents": [], "status": []})
        d["enterprises"].add(p.enterprise_id)
        d["percents"].append(p.percent)
        d["status"].append(p.status)
    return {
        doc: (
            len(d["enterprises"]),
            len(d["status"]),
            sum(s in DONE_STATUSES for s in d["status"]),
            d["status"].count(Status.NOT_STARTED),
            d["status"].count(Status.IN_PROGRESS),
            round(sum(d["percents"]) / len(d["percents"]), 9),
        )
        for doc, d in out.items()
    }


def shown(response) -> dict:
    return {
        r["document"].pk: (
            r["enterprises"],
            r["records"],
            r["done"],
            r["not_started"],
            r["in_progress"],
            round(float(r["mean_percent"]), 9),
        )
        for r in response.context["summary"]
    }


@pytest.mark.parametrize(
    "who, sees",
    [
        ("admin", lambda e: True),
        ("sasac-yn", lambda e: e.region.parent.code == "530000"),
        ("officer-yn", lambda e: e.region.code == "530100"),
    ],
)
def test_document_figures_equal_a_count_of_the_progress_rows(client, users, who, sees):
    make_enterprises(40)
    client.force_login(users[who])
    response = client.get("/")
    assert response.status_code == 200
    assert shown(response) == expected_summary(sees)


@pytest.mark.parametrize("who", ["admin", "sasac-yn", "officer-yn"])
def test_home_query_count_does_not_grow_with_the_enterprises(client, users, who):
    client.force_login(users[who])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    make_enterprises(6, seed=1)
    few = queries()
    make_enterprises(60, seed=2)
    many = queries()
    # 16, and the work queue first on the page (reporting/work_queue.py): at most 7 indexed counts (reviews, changes
    # since acceptance, orders, 直通车 questions, newly lagging, prefectures behind, notices), none growing; the
    # search for enterprises without a summary runs only where the kept counts allow one (reporting/home.py): one
    # query more or less with the data, never one a row
    assert abs(many - few) <= 1 and max(few, many) <= 16 + 7, (few, many)


@pytest.mark.parametrize(
    "who, sees",
    [
        ("admin", lambda e: True),
        ("sasac-yn", lambda e: e.region.parent.code == "530000"),
        ("officer-yn", lambda e: e.region.code == "530100"),
    ],
)
def test_enterprise_count_from_the_counts_kept_per_place(client, users, who, sees):
    """The number beside the title: the counts the database keeps per place (assessments/counts.py), equal to a
    count of the enterprises made here, without a COUNT over the enterprises in scope."""
    make_enterprises(30)
    client.force_login(users[who])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.context["enterprise_count"] == sum(1 for e in Enterprise.objects.all() if sees(e)) > 0
    assert any('"assessments_placecount"' in q["sql"] for q in ctx.captured_queries)
