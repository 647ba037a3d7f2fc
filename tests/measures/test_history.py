import pytest

from measures.choices import ChangeSource, Status
from measures.history import change_context
from measures.models import Progress, ProgressChange
from measures.services import StaleProgress, progress_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_progress_rows_created_for_applicable_measures_have_a_creation_entry(yn_enterprise):
    rows = Progress.objects.filter(enterprise=yn_enterprise)
    # the 12 measures and YN-S1 (addressed to the leadership); YN-S2…S4 are addressed to the authorities
    assert rows.count() == 13
    assert ProgressChange.objects.filter(progress__in=rows, old_status="").count() == 13


def test_save_records_old_and_new_values_and_bumps_the_version(yn_enterprise):
    # given
    user = UserFactory()
    progress = Progress.objects.filter(enterprise=yn_enterprise).first()
    version = progress.version
    # when
    progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=40, note="启动", by=user, expected_version=version
    )
    # then
    change = ProgressChange.objects.filter(progress=progress).first()
    assert (change.old_status, change.new_status, change.old_percent, change.new_percent) == (
        Status.NOT_STARTED,
        Status.IN_PROGRESS,
        0,
        40,
    )
    assert change.changed_by == user and change.source == ChangeSource.MANUAL
    progress.refresh_from_db()
    assert progress.version == version + 1


def test_queryset_update_records_one_change_per_row(yn_enterprise):
    user = UserFactory()
    rows = Progress.objects.filter(enterprise=yn_enterprise, measure__code__in=["YN-01", "YN-02", "YN-03"])
    before = ProgressChange.objects.count()
    with change_context(by=user, source=ChangeSource.BULK):
        count = rows.update(status=Status.IN_PROGRESS, percent=10)
    assert count == 3
    new = ProgressChange.objects.order_by("-id")[:3]
    assert ProgressChange.objects.count() == before + 3
    assert {c.source for c in new} == {ChangeSource.BULK}
    assert {c.changed_by_id for c in new} == {user.pk}
    assert all(p.version == 2 and p.updated_by == user for p in rows)


def test_bulk_update_records_changes(yn_enterprise):
    rows = list(Progress.objects.filter(enterprise=yn_enterprise)[:2])
    for p in rows:
        p.status, p.percent = Status.DONE, 100
    Progress.objects.bulk_update(rows, ["status", "percent"])
    assert ProgressChange.objects.filter(progress__in=rows, new_status=Status.DONE).count() == 2


def test_stale_edit_is_refused_and_nothing_is_overwritten(yn_enterprise):
    user = UserFactory()
    progress = Progress.objects.filter(enterprise=yn_enterprise).first()
    read_version = progress.version
    progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=30, note="", by=user, expected_version=read_version
    )
    with pytest.raises(StaleProgress) as exc:
        progress_update(
            progress=progress, status=Status.DONE, percent=100, note="", by=user, expected_version=read_version
        )
    assert exc.value.current.percent == 30
    progress.refresh_from_db()
    assert progress.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("status", "percent", "note", "field"),
    [
        (Status.DONE, 80, "", "percent"),
        (Status.IN_PROGRESS, 101, "", "percent"),
        (Status.NOT_STARTED, 0, "", "note"),  # moving backwards from 推进中 needs a note
    ],
)
def test_invalid_progress_is_refused_next_to_the_field(yn_enterprise, status, percent, note, field):
    from django.core.exceptions import ValidationError

    user = UserFactory()
    progress = Progress.objects.filter(enterprise=yn_enterprise).first()
    progress = progress_update(
        progress=progress, status=Status.IN_PROGRESS, percent=50, note="", by=user, expected_version=None
    )
    with pytest.raises(ValidationError) as exc:
        progress_update(progress=progress, status=status, percent=percent, note=note, by=user, expected_version=None)
    assert field in exc.value.message_dict
