"""Two enterprises of one province write at the same moment without waiting on each other.

Each test holds one enterprise's write open on another thread (and connection), after it took its locks, and
shows that the other enterprise's write completes under a short `lock_timeout`: no write locks a row other
enterprises' writes need (the province's reporting period, a measure, an indicator, a region)."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import Region
from enterprises.services import enterprise_update
from measures.choices import Status
from measures.models import IndicatorValue, Progress
from measures.services import indicator_value_set, progress_ensure, progress_update
from reporting.assessments import services
from reporting.assessments.choices import SelfRating
from reporting.assessments.models import AssessmentIndicator, AssessmentItem
from tests.concurrency import writer_in_another_transaction
from tests.factories import EnterpriseFactory, make_enterprise_user, make_officer, open_period

LOCK_TIMEOUT = "2s"


@pytest.fixture
def committed_catalogue(transactional_db):
    # The writers run on their own connections: they see only committed rows, so this test commits its data.
    # A transactional test before this one may have flushed the catalogue the session loaded.
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)


@pytest.fixture
def two_enterprises(committed_catalogue):
    """Two Kunming enterprises, each with its user and its draft assessment of the province's open period."""
    kunming = Region.objects.get(code="530100")
    period = open_period(province_id=kunming.parent.pk)
    officer = make_officer("t-lock-officer", regions=[kunming])
    result = []
    for n in range(2):
        enterprise = EnterpriseFactory(region=kunming)
        progress_ensure(enterprise=enterprise)
        user = make_enterprise_user(f"t-lock-filler-{n}", enterprise=enterprise)
        assessment = services.assessment_start(period=period, enterprise=enterprise, by=user)
        result.append({"enterprise": enterprise, "user": user, "assessment": assessment, "officer": officer})
    return result


def _while_held_open(first, second):
    """Run `first` in a transaction on another thread, keep that transaction open once `first` is done (its locks
    held), and meanwhile run `second` here under a short lock_timeout. Returns the errors of `first`."""
    release = threading.Event()
    thread, written, errors = writer_in_another_transaction(first, release)
    try:
        assert written.wait(timeout=30), errors
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            second()
    finally:
        release.set()
        thread.join(timeout=30)
    return errors


def _item(entry, measure_id):
    return AssessmentItem.objects.get(assessment=entry["assessment"], measure_id=measure_id)


def _shared_measure_id(a, b) -> int:
    """A measure both assessments answer."""
    return (
        AssessmentItem.objects.filter(assessment=a["assessment"])
        .filter(measure_id__in=AssessmentItem.objects.filter(assessment=b["assessment"]).values("measure_id"))
        .order_by("measure_id")
        .values_list("measure_id", flat=True)
        .first()
    )


def _autosave(entry, measure_id, percent):
    return lambda: services.item_save(
        item=_item(entry, measure_id),
        by=entry["user"],
        self_rating=SelfRating.GOOD,
        what_done="",
        status=Status.IN_PROGRESS,
        percent=percent,
    )


def test_two_enterprises_autosave_the_same_measure_at_once(two_enterprises):
    # given two enterprises of one province answering the same measure in their own forms
    a, b = two_enterprises
    measure_id = _shared_measure_id(a, b)
    # when A's autosave holds its transaction open and B autosaves meanwhile (lock_timeout 2 s)
    errors = _while_held_open(_autosave(a, measure_id, 30), _autosave(b, measure_id, 40))
    # then B did not wait for A, and both answers are saved
    assert errors == []
    assert (_item(a, measure_id).claimed_percent, _item(b, measure_id).claimed_percent) == (30, 40)


def test_two_enterprises_save_the_same_indicator_at_once(two_enterprises):
    # given two enterprises answering the same indicator
    a, b = two_enterprises
    indicator_id = (
        AssessmentIndicator.objects.filter(assessment=a["assessment"], indicator__unit="%")
        .order_by("indicator_id")
        .values_list("indicator_id", flat=True)
        .first()
    )

    def save(entry, value):
        answer = AssessmentIndicator.objects.get(assessment=entry["assessment"], indicator_id=indicator_id)
        return lambda: services.indicator_save(answer=answer, by=entry["user"], value=value)

    # when A's save is held open and B saves meanwhile
    errors = _while_held_open(save(a, "12"), save(b, "34"))
    # then B did not wait, and both values are saved
    assert errors == []
    values = dict(
        AssessmentIndicator.objects.filter(indicator_id=indicator_id).values_list("assessment_id", "claimed_value")
    )
    assert (values[a["assessment"].pk], values[b["assessment"].pk]) == (12, 34)


def test_an_officer_reviews_two_enterprises_of_the_same_measure_at_once(two_enterprises):
    # given two submitted forms: the officer corrects the same measure in both, from two tabs
    a, b = two_enterprises
    measure_id = _shared_measure_id(a, b)
    from reporting.assessments.models import Assessment

    Assessment.objects.filter(pk__in=[a["assessment"].pk, b["assessment"].pk]).update(status="submitted")

    def review(entry, percent):
        return lambda: services.review_item_save(
            item=_item(entry, measure_id),
            by=entry["officer"],
            verified_status=Status.IN_PROGRESS,
            verified_percent=percent,
            comment="",
        )

    # when one correction is held open and the other is saved meanwhile
    errors = _while_held_open(review(a, 50), review(b, 60))
    # then neither waited
    assert errors == []
    assert (_item(a, measure_id).verified_percent, _item(b, measure_id).verified_percent) == (50, 60)


def test_two_enterprises_update_progress_of_the_same_measure_at_once(two_enterprises):
    # given the progress records of two enterprises on the same measure
    a, b = two_enterprises
    measure_id = _shared_measure_id(a, b)

    def update(entry, percent):
        row = Progress.objects.get(enterprise=entry["enterprise"], measure_id=measure_id)
        return lambda: progress_update(
            progress=row,
            status=Status.IN_PROGRESS,
            percent=percent,
            note="",
            by=entry["officer"],
            expected_version=None,
        )

    # when one update is held open and the other is made meanwhile
    errors = _while_held_open(update(a, 20), update(b, 70))
    # then neither waited
    assert errors == []
    percents = dict(Progress.objects.filter(measure_id=measure_id).values_list("enterprise_id", "percent"))
    assert (percents[a["enterprise"].pk], percents[b["enterprise"].pk]) == (20, 70)


def test_two_enterprises_of_one_prefecture_are_edited_at_once(two_enterprises):
    # given two enterprises of the same prefecture (one region row)
    a, b = two_enterprises

    def edit(entry, employees):
        return lambda: enterprise_update(
            enterprise=entry["enterprise"], data={"employees": employees}, by=entry["officer"]
        )

    # when one edit of the register is held open and the other is made meanwhile
    errors = _while_held_open(edit(a, 610), edit(b, 620))
    # then neither waited
    assert errors == []
    a["enterprise"].refresh_from_db()
    b["enterprise"].refresh_from_db()
    assert (a["enterprise"].employees, b["enterprise"].employees) == (610, 620)


def test_officers_set_two_enterprises_values_of_the_same_indicator_at_once(two_enterprises):
    # given an indicator both enterprises report on, with a value of this year already for each
    a, b = two_enterprises
    indicator = (
        AssessmentIndicator.objects.filter(assessment=a["assessment"], indicator__unit="%")
        .order_by("indicator_id")
        .first()
        .indicator
    )
    year = timezone.localdate().year
    for entry in (a, b):
        indicator_value_set(
            enterprise=entry["enterprise"], indicator=indicator, year=year, value=1, by=entry["officer"]
        )

    def update(entry, value):
        return lambda: indicator_value_set(
            enterprise=entry["enterprise"], indicator=indicator, year=year, value=value, by=entry["officer"]
        )

    # when one change is held open and the other is made meanwhile (the tally triggers share the indicator row)
    errors = _while_held_open(update(a, 55), update(b, 66))
    # then neither waited
    assert errors == []
    values = dict(IndicatorValue.objects.filter(indicator=indicator, year=year).values_list("enterprise_id", "value"))
    assert (values[a["enterprise"].pk], values[b["enterprise"].pk]) == (55, 66)
