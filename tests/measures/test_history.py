"""Progress history is written by the database: every write path leaves an event with who, from where, old → new,
and raises the version; a write that changes nothing leaves nothing."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory
from django.urls import reverse

from measures.admin import ProgressAdmin
from measures.choices import Status
from measures.models import Progress, ProgressEvent
from measures.services import progress_update
from reform_portal.choices import ChangeSource
from reform_portal.history import HistoryMiddleware, change_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def events_of(progress) -> list[ProgressEvent]:
    return list(ProgressEvent.objects.filter(pgh_obj=progress).order_by("pgh_id"))


def values(event) -> tuple:
    return (event.old_status, event.old_percent, event.status, event.percent)


@pytest.fixture
def progress(yn_enterprise):
    return Progress.objects.filter(enterprise=yn_enterprise, status=Status.NOT_STARTED).order_by("pk").first()


def test_progress_rows_created_for_applicable_measures_have_a_creation_entry(yn_enterprise):
    rows = Progress.objects.filter(enterprise=yn_enterprise)
    # the 12 measures and YN-S1 (addressed to the leadership); YN-S2…S4 are addressed to the authorities
    assert rows.count() == 13
    creations = ProgressEvent.objects.filter(pgh_obj__in=rows)
    assert creations.count() == 13
    assert {(e.pgh_label, e.old_status, e.status, e.source) for e in creations} == {
        ("insert", None, Status.NOT_STARTED, ChangeSource.SYSTEM)
    }


def test_a_raw_sql_update_is_in_the_history_from_the_system_and_raises_the_version(progress):
    # given: an officer's change earlier in the same transaction
    progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=10, note="", by=UserFactory(), expected_version=None
    )
    version = Progress.objects.get(pk=progress.pk).version
    # when: a write no Python code sees
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE measures_progress SET status = 'in_progress', percent = 35, note = '脚本' WHERE id = %s",
            [progress.pk],
        )
    # then: from the system, not from the officer
    change = events_of(progress)[-1]
    assert values(change) == (Status.IN_PROGRESS, 10, Status.IN_PROGRESS, 35)
    assert (change.old_note, change.note) == ("", "脚本")
    assert (change.source, change.changed_by_id, change.pgh_label) == (ChangeSource.SYSTEM, None, "update")
    assert Progress.objects.get(pk=progress.pk).version == version + 1


def test_a_write_from_a_migrations_historical_model_is_in_the_history(progress):
    # given: Progress as a data migration sees it (no custom save(), manager or signals)
    state = MigrationExecutor(connection).loader.project_state(("measures", "0006_drop_progress_change"))
    historical = state.apps.get_model("measures", "Progress")
    row = historical.objects.get(pk=progress.pk)
    # when
    row.status, row.percent = Status.DONE, 100
    row.save()
    # then
    assert values(events_of(progress)[-1]) == (Status.NOT_STARTED, 0, Status.DONE, 100)
    assert Progress.objects.get(pk=progress.pk).version == progress.version + 1


def test_the_service_records_who_source_and_comment_and_returns_the_new_version(progress):
    # given
    user = UserFactory()
    # when
    updated = progress_update(
        progress=progress,
        status=Status.IN_PROGRESS,
        percent=40,
        note="启动",
        by=user,
        expected_version=progress.version,
        source=ChangeSource.ASSESSMENT,
        comment="2025年度自评通过",
    )
    # then
    change = events_of(progress)[-1]
    assert values(change) == (Status.NOT_STARTED, 0, Status.IN_PROGRESS, 40)
    assert (change.changed_by, change.source, change.comment) == (user, ChangeSource.ASSESSMENT, "2025年度自评通过")
    assert updated.version == Progress.objects.get(pk=progress.pk).version == progress.version + 1


def test_queryset_update_records_one_change_per_row_with_the_context(yn_enterprise):
    # given
    user = UserFactory()
    rows = Progress.objects.filter(enterprise=yn_enterprise, measure__code__in=["YN-01", "YN-02", "YN-03"])
    before = ProgressEvent.objects.count()
    # when
    with change_context(by=user, source=ChangeSource.BULK, comment="批量"):
        count = rows.update(status=Status.IN_PROGRESS, percent=10)
    # then
    assert count == 3
    new = list(ProgressEvent.objects.filter(pk__gt=0).order_by("-pgh_id")[:3])
    assert ProgressEvent.objects.count() == before + 3
    assert {(c.source, c.changed_by_id, c.comment, c.status, c.percent) for c in new} == {
        (ChangeSource.BULK, user.pk, "批量", Status.IN_PROGRESS, 10)
    }
    assert {p.version for p in rows} == {2}


def test_bulk_update_and_bulk_create_record_changes(yn_enterprise, kunming):
    # given
    user = UserFactory()
    rows = list(Progress.objects.filter(enterprise=yn_enterprise).order_by("pk")[:2])
    for p in rows:
        p.status, p.percent = Status.DONE, 100
    # when
    with change_context(by=user, source=ChangeSource.IMPORT):
        Progress.objects.bulk_update(rows, ["status", "percent"])
    # then
    changes = ProgressEvent.objects.filter(pgh_obj__in=rows, pgh_label="update")
    assert {(c.status, c.source, c.changed_by_id) for c in changes} == {(Status.DONE, ChangeSource.IMPORT, user.pk)}
    assert changes.count() == 2

    # given: a new enterprise's rows, created in bulk
    from tests.factories import EnterpriseFactory

    other = EnterpriseFactory(region=kunming)
    measure_ids = Progress.objects.filter(enterprise=yn_enterprise).values_list("measure_id", flat=True)[:3]
    # when
    with change_context(by=user, source=ChangeSource.IMPORT):
        created = Progress.objects.bulk_create([Progress(enterprise=other, measure_id=m) for m in measure_ids])
    # then
    creations = ProgressEvent.objects.filter(pgh_obj__in=created)
    assert {(c.pgh_label, c.source, c.changed_by_id) for c in creations} == {("insert", ChangeSource.IMPORT, user.pk)}
    assert creations.count() == 3


def test_a_write_that_changes_nothing_records_nothing(progress):
    # given
    before, version = len(events_of(progress)), progress.version
    # when: saved as it is, and a change of a field the history does not follow
    progress.save()
    Progress.objects.filter(pk=progress.pk).update(updated_by=UserFactory())
    # then
    assert len(events_of(progress)) == before
    assert Progress.objects.get(pk=progress.pk).version == version


def test_nobody_can_set_the_version_by_hand(progress):
    # given: an editor holding an old copy of the row
    stale = Progress.objects.get(pk=progress.pk)
    progress_update(progress=progress, status=Status.IN_PROGRESS, percent=10, note="", by=None, expected_version=None)
    # when the old copy is saved with a field the history does not follow
    stale.save(update_fields=["version", "updated_at"])
    # then the version does not go back
    assert Progress.objects.get(pk=progress.pk).version == 2


def test_a_nested_context_gives_the_outer_one_back(progress, yn_enterprise):
    # given
    officer, system_user = UserFactory(), None
    other = Progress.objects.filter(enterprise=yn_enterprise).exclude(pk=progress.pk).order_by("pk").first()
    # when: a service's context inside a request's
    with change_context(by=officer, source=ChangeSource.MANUAL):
        with change_context(by=system_user, source=ChangeSource.SYSTEM, comment="内层"):
            Progress.objects.filter(pk=progress.pk).update(percent=5, status=Status.IN_PROGRESS)
        Progress.objects.filter(pk=other.pk).update(percent=6, status=Status.IN_PROGRESS)
    # then
    inner, outer = events_of(progress)[-1], events_of(other)[-1]
    assert (inner.changed_by_id, inner.source, inner.comment) == (None, ChangeSource.SYSTEM, "内层")
    assert (outer.changed_by_id, outer.source, outer.comment) == (officer.pk, ChangeSource.MANUAL, "")


def test_a_request_records_the_signed_in_user_as_a_manual_change(progress, users):
    # given: a view that writes without saying who (as an admin form would)
    def view(request):
        Progress.objects.filter(pk=progress.pk).update(status=Status.IN_PROGRESS, percent=15)
        return None

    request = RequestFactory().post("/anything/")
    request.user = users["officer-yn"]
    # when
    HistoryMiddleware(view)(request)
    # then
    change = events_of(progress)[-1]
    assert (change.changed_by, change.source, change.pgh_context["url"]) == (
        users["officer-yn"],
        ChangeSource.MANUAL,
        "/anything/",
    )


def test_an_administrators_edit_in_the_admin_is_in_the_history(progress, users):
    # given
    from django.contrib.admin.sites import site

    request = RequestFactory().post("/admin/")
    request.user = users["admin"]
    progress.status, progress.percent = Status.IN_PROGRESS, 25
    # when
    ProgressAdmin(Progress, site).save_model(request, progress, form=None, change=True)
    # then
    change = events_of(progress)[-1]
    assert (change.changed_by, change.source, change.comment, change.percent) == (
        users["admin"],
        ChangeSource.MANUAL,
        "admin",
        25,
    )


def test_the_timeline_shows_old_and_new_values_who_and_where_from(client, users, progress):
    # given
    progress_update(
        progress=progress,
        status=Status.IN_PROGRESS,
        percent=60,
        note="已召开动员会",
        by=users["officer-yn"],
        expected_version=None,
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE measures_progress SET percent = 70 WHERE id = %s", [progress.pk])
    client.force_login(users["officer-yn"])
    # when
    html = client.get(reverse("measures:progress_history", args=[progress.pk]), HTTP_HX_REQUEST="true")
    text = " ".join(html.content.decode().split())
    # then: newest first; the creation, the officer's change, the script's change
    script, officer, creation = (text.index(s) for s in ("推进中 60% → <strong>推进中 70%", "未启动 0% →", "建立记录"))
    assert script < officer < creation
    assert "<strong>推进中 60%</strong>" in text and "已召开动员会" in text
    assert users["officer-yn"].get_full_name() or users["officer-yn"].username in text
    assert text.count("系统</span>") >= 1


def test_a_celery_tasks_writes_are_from_the_system_and_name_the_task(kunming):
    # given: an enterprise without its progress rows yet
    from measures.tasks import progress_ensure_all
    from tests.factories import EnterpriseFactory

    enterprise = EnterpriseFactory(region=kunming)
    # when: the task runs (as a worker would: its signals fire)
    progress_ensure_all.apply()
    # then
    created = ProgressEvent.objects.filter(pgh_obj__enterprise=enterprise)
    assert created.count() > 0
    assert {(e.source, e.changed_by_id, e.pgh_context["task"]) for e in created} == {
        (ChangeSource.SYSTEM, None, "measures.tasks.progress_ensure_all")
    }


def test_one_statement_writing_hundreds_of_rows_records_one_event_per_row_and_only_real_changes(yn_enterprise):
    # given: 40 enterprises without progress rows, and foreign-key checks deferred to the commit (the default)
    from tests.factories import EnterpriseFactory

    enterprises = [e.pk for e in EnterpriseFactory.create_batch(40, region=yn_enterprise.region)]
    measures = list(Progress.objects.filter(enterprise=yn_enterprise).values_list("measure_id", flat=True))
    user, before = UserFactory(), ProgressEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # when: one statement inserts a row per enterprise and measure
        with change_context(by=user, source=ChangeSource.IMPORT, comment="导入"):
            cursor.execute(
                "INSERT INTO measures_progress (enterprise_id, measure_id, status, percent, note, version, "
                "created_at, updated_at) SELECT e, m, 'in_progress', 10, 'n' || e, 1, now(), now() "
                "FROM unnest(%s::int[]) e CROSS JOIN unnest(%s::int[]) m",
                [enterprises, measures],
            )
            inserted = cursor.rowcount
    # then: one creation event per row, with the row's values and the context
    rows = Progress.objects.filter(enterprise__in=enterprises)
    assert inserted == rows.count() == 40 * len(measures) >= 400
    creations = ProgressEvent.objects.filter(pgh_obj__in=rows)
    assert creations.count() == ProgressEvent.objects.count() - before == inserted
    assert set(creations.values_list("pgh_obj_id", flat=True)) == set(rows.values_list("pk", flat=True))
    assert {
        (e.pgh_label, e.status, e.percent, e.note == f"n{e.pgh_obj.enterprise_id}", e.old_note, e.changed_by_id)
        for e in creations.select_related("pgh_obj")
    } == {("insert", Status.IN_PROGRESS, 10, True, None, user.pk)}
    assert {(e.source, e.comment, e.pgh_context["source"]) for e in creations} == {
        (ChangeSource.IMPORT, "导入", ChangeSource.IMPORT)
    }

    # when: one statement updates every row; a third change the percent, a third the note, a third nothing audited
    before = ProgressEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE measures_progress SET updated_at = now(), "
            "percent = CASE WHEN id %% 3 = 0 THEN 60 ELSE percent END, "
            "note = CASE WHEN id %% 3 = 1 THEN 'changed' ELSE note END "
            "WHERE enterprise_id = ANY(%s)",
            [enterprises],
        )
        assert cursor.rowcount == inserted
    # then: an event for each row that changed, with its old and new values, and none for the others
    changes = ProgressEvent.objects.filter(pgh_obj__in=rows, pgh_label="update").select_related("pgh_obj")
    assert ProgressEvent.objects.count() - before == changes.count()
    changed = {p.pk for p in rows if p.pk % 3 != 2}
    assert {e.pgh_obj_id for e in changes} == changed and changes.count() == len(changed)
    for e in changes:
        n = f"n{e.pgh_obj.enterprise_id}"
        expected = (10, 60, n, n) if e.pgh_obj_id % 3 == 0 else (10, 10, n, "changed")
        assert (e.old_percent, e.percent, e.old_note, e.note) == expected
        assert (e.old_status, e.status, e.source, e.changed_by_id) == (
            Status.IN_PROGRESS,
            Status.IN_PROGRESS,
            ChangeSource.SYSTEM,
            None,
        )
    assert {(p.pk % 3 != 2, p.version) for p in rows} == {(True, 2), (False, 1)}


def test_the_history_triggers_run_once_per_statement():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table, action_orientation FROM information_schema.triggers "
            "WHERE trigger_name ~ 'event_(insert|change|delete)_'"
        )
        found = set(cursor.fetchall())
    tables = {"measures_progress", "measures_indicatorvalue", "enterprises_enterprise"}
    tables |= {"assessments_assessmentitem", "assessments_assessmentindicator"}
    tables |= {"assessments_reportingperiod", "assessments_assessmentevidence", "measures_evidence"}  # issue 11
    tables |= {"supervision_supervisionorder", "pilots_pilotdesignation", "pilots_pilotfund"}  # issues 14, 15
    tables |= {"channels_channel", "channels_delivery"}  # the group robots and their deliveries' attempts
    tables |= {"awards_awardround", "awards_awardcandidatedecision"}  # award rounds and decisions (issue 15)
    tables |= {"consultations_question", "consultations_faqentry"}  # 产改直通车 questions and the FAQ (issue 15)
    tables |= {"liaisons_visit", "bulletins_bulletin"}  # 直通车 visits and bulletins (issue 15)
    assert found == {(table, "STATEMENT") for table in tables}
