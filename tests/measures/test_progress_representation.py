"""/api/progress/ answers each row as DRF's generic walk over the declared fields would (ProgressSerializer reads the
row directly, for speed), and its list reads only the columns the rows show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from measures.api.progress import ProgressSerializer, with_names
from measures.models import Progress
from measures.services import progress_update

pytestmark = pytest.mark.django_db


def generic(row) -> dict:
    """The answer as ModelSerializer itself builds it from the declared fields."""
    serializer = ProgressSerializer()
    return dict(serializers.ModelSerializer.to_representation(serializer, row))


def test_each_row_as_the_declared_fields_give_it(users, yn_enterprise):
    rows = list(Progress.objects.filter(enterprise=yn_enterprise).order_by("pk")[:2])
    # one row edited by an officer (a user, a note, a time), one never edited (no user)
    progress_update(
        progress=rows[0],
        status="in_progress",
        percent=35,
        note="报表 <核对> & “引号”",
        by=users["officer-yn"],
        expected_version=rows[0].version,
    )
    Progress.objects.filter(pk=rows[1].pk).update(updated_by=None)
    # the list's rows carry their names (`with_names`), a single row its related rows: the same answer
    listed = {
        r.pk: ProgressSerializer(r).data for r in with_names(Progress.objects.filter(pk__in=[r.pk for r in rows]))
    }
    for row in Progress.objects.select_related("enterprise", "measure__document", "updated_by").filter(
        pk__in=[r.pk for r in rows]
    ):
        assert ProgressSerializer(row).data == generic(row) == listed[row.pk]
    edited = ProgressSerializer(Progress.objects.get(pk=rows[0].pk)).data
    assert edited["updated_by"] == users["officer-yn"].username and edited["updated_at"].endswith("+08:00")
    assert ProgressSerializer(Progress.objects.get(pk=rows[1].pk)).data["updated_by"] is None


@pytest.mark.parametrize("mode", ["cursor=&", ""], ids=["cursor pages", "page numbers"])
def test_the_list_reads_the_columns_it_shows(client, users, yn_enterprise, mode):
    client.force_login(users["officer-yn"])
    with CaptureQueriesContext(connection) as ctx:
        listed = client.get(f"/api/progress/?{mode}page_size=500").json()["results"]
    assert listed
    rows_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "measures_progress"' in q["sql"]]
    # not the enterprise's other columns (its credit code, headcounts), nor its region's; no related row built
    selected = [sql.split(" FROM ")[0] for sql in rows_sql]
    assert selected and not any('"enterprises_enterprise"."id"' in columns for columns in selected), selected
    assert rows_sql and not any('"enterprises_enterprise"."credit_code"' in sql for sql in rows_sql), rows_sql
    assert not any('"enterprises_region"."name"' in sql for sql in rows_sql), rows_sql
    # each row as the record's own GET answers it
    for row in listed[:5]:
        assert client.get(f"/api/progress/{row['id']}/").json() == row
