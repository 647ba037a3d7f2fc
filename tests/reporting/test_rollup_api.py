import pytest
from django.utils import timezone

from measures.models import Measure, PolicyDocument
from reporting import rollup
from reporting.models import RollupSnapshot
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

URL = "/api/rollups/"


@pytest.fixture
def rolled(users):
    make_enterprises(30)
    rollup.rollup_full_now()
    return users


def test_rows_carry_their_date_scope_keys_and_figures(client, rolled):
    client.force_login(rolled["sasac-yn"])
    response = client.get(URL, {"prefecture": "none", "measure": "none", "ownership": "none", "industry": "none"})
    assert response.status_code == 200
    rows = response.json()["results"]
    yn = PolicyDocument.objects.get(province__code="530000")
    snap = RollupSnapshot.objects.get(day=timezone.localdate(), scope_key=f"{yn.province_id}|{yn.pk}||||")
    assert rows == [
        {
            "date": timezone.localdate().isoformat(),
            "province": "530000",
            "prefecture": None,
            "document": yn.number,
            "measure": None,
            "ownership": None,
            "industry": None,
            "applicable": snap.applicable,
            "records": snap.records,
            "not_started": snap.not_started,
            "in_progress": snap.in_progress,
            "done": snap.done,
            "ongoing": snap.ongoing,
            "completion_rate": snap.completion_rate,
            "mean_percent": snap.mean_percent,
            "attainment_rate": snap.attainment_rate,
            "lagging": snap.lagging,
            "submission_rate": snap.submission_rate,
            "computed_at": rows[0]["computed_at"],
        }
    ]
    assert 0 <= rows[0]["completion_rate"] <= 1


def test_filters_by_prefecture_measure_document_and_dates(client, rolled):
    client.force_login(rolled["admin"])
    measure = Measure.objects.tracked().filter(document__province__code="610000").first()
    rows = client.get(URL, {"prefecture": "610100", "measure": measure.code, "page_size": 500}).json()["results"]
    assert rows and all(r["prefecture"] == "610100" and r["measure"] == measure.code for r in rows)
    rows = client.get(URL, {"document": "yn-2022-21", "page_size": 500}).json()["results"]
    assert rows and {r["province"] for r in rows} == {"530000"}
    today = timezone.localdate()
    assert client.get(URL, {"date_after": today.isoformat()}).json()["count"] > 0
    assert client.get(URL, {"date_before": (today.replace(year=today.year - 1)).isoformat()}).json()["count"] == 0
    assert client.get(URL, {"date_after": "not-a-date"}).status_code == 400


def test_scoped_like_the_page(client, rolled, kunming):
    client.force_login(rolled["sasac-sx"])
    assert {r["province"] for r in client.get(URL, {"page_size": 500}).json()["results"]} == {"610000"}
    client.force_login(rolled["officer-yn"])
    rows = client.get(URL, {"page_size": 500}).json()["results"]
    assert rows and {r["prefecture"] for r in rows} == {"530100"}
    for who in ("enterprise-yn", "enterprise-sx"):
        client.force_login(rolled[who])
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code in (401, 403)
