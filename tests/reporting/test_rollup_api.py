import pytest
from django.utils import timezone

from enterprises.models import Enterprise
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
    response = client.get(
        URL, {"prefecture": "none", "county": "none", "measure": "none", "ownership": "none", "industry": "none"}
    )
    assert response.status_code == 200
    rows = response.json()["results"]
    yn = PolicyDocument.objects.get(province__code="530000")
    key = rollup.scope_key(province_id=yn.province_id, document_id=yn.pk)
    snap = RollupSnapshot.objects.get(day=timezone.localdate(), scope_key=key)
    assert rows == [
        {
            "date": timezone.localdate().isoformat(),
            "province": "530000",
            "prefecture": None,
            "county": None,
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


def test_county_rows_are_filtered_by_county_code(client, users, settings):
    # given data with counties, rolled up
    from tests.reporting.county_data import make_county_data

    settings.LAGGING_GRACE_DAYS = 30
    make_county_data(40, seed=41)
    rollup.rollup_full_now()
    county = Enterprise.objects.filter(county__isnull=False, region__code="530100").first().county
    client.force_login(users["sasac-yn"])
    # when one county's rows are asked for
    rows = client.get(URL, {"county": county.code, "page_size": 500}).json()["results"]
    # then its row and one per measure, naming the county and its prefecture, with the snapshot's figures
    snapshots = RollupSnapshot.objects.filter(day=timezone.localdate(), county=county)
    assert (
        len(rows)
        == snapshots.count()
        == 1 + Measure.objects.tracked().filter(document__province__code="530000").count()
    )
    assert {(r["county"], r["prefecture"]) for r in rows} == {(county.code, "530100")}
    whole = next(r for r in rows if r["measure"] is None)
    snap = snapshots.get(measure=None)
    assert (whole["applicable"], whole["lagging"], whole["done"]) == (snap.applicable, snap.lagging, snap.done)
    # `county=none` leaves them out: a prefecture's own row only
    rows = client.get(
        URL, {"prefecture": "530100", "county": "none", "measure": "none", "ownership": "none", "industry": "none"}
    ).json()["results"]
    assert len(rows) == 1 and rows[0]["county"] is None
    # and an officer of another prefecture does not get them
    client.force_login(users["officer-sx"])
    assert client.get(URL, {"county": county.code}).json()["count"] == 0
