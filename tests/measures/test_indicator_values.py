"""Indicator values: every change in their history (who, from where), stale edits refused, on the page too."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import Indicator, IndicatorValue, IndicatorValueEvent
from measures.services import indicator_value_set
from reform_portal.choices import ChangeSource
from reform_portal.versioning import StaleEdit
from reporting.assessments import services as assessment_services
from tests.factories import open_period
from tests.reporting.assessments.conftest import fill_complete

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def indicator():
    # YN-06 has a "≥" indicator that applies to the Kunming private enterprise
    return Indicator.objects.filter(measure__code="YN-06", comparison="gte").first()


def year():
    return timezone.localdate().year


@pytest.fixture
def submitted(users, settings, tmp_path):
    """A Kunming self-assessment, filled in and submitted by the enterprise (as in tests/reporting/assessments)."""

    settings.MEDIA_ROOT = tmp_path / "media"
    user = users["enterprise-yn"]
    period = open_period(province_id=user.profile.enterprise.region.parent_id, opened_by=users["admin"])
    form = assessment_services.assessment_start(period=period, enterprise=user.profile.enterprise, by=user)
    fill_complete(form, user)
    return assessment_services.assessment_submit(assessment=form, by=user)


def test_manual_set_records_creation_and_each_change_with_who_and_source(users, yn_enterprise, indicator):
    officer = users["officer-yn"]

    first = indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year(), value="5", by=officer)
    same = indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year(), value="5.00", by=officer)
    second = indicator_value_set(
        enterprise=yn_enterprise, indicator=indicator, year=year(), value="9", by=None, comment="导入核对"
    )

    assert (first.version, same.version, second.version) == (1, 1, 2)
    changes = list(IndicatorValueEvent.objects.filter(pgh_obj=second).order_by("pgh_id"))
    assert [(c.old_value, c.value, c.source, c.changed_by, c.comment) for c in changes] == [
        (None, Decimal("5.00"), ChangeSource.MANUAL, officer, ""),
        (Decimal("5.00"), Decimal("9.00"), ChangeSource.MANUAL, None, "导入核对"),
    ]


def test_stale_set_is_refused_and_the_value_is_unchanged(users, yn_enterprise, indicator):
    officer = users["officer-yn"]
    read = indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year(), value="5", by=officer)
    # someone else saves in between
    indicator_value_set(
        enterprise=yn_enterprise, indicator=indicator, year=year(), value="7", by=users["admin"], expected_version=1
    )

    with pytest.raises(StaleEdit) as refused:
        indicator_value_set(
            enterprise=yn_enterprise,
            indicator=indicator,
            year=year(),
            value="6",
            by=officer,
            expected_version=read.version,
        )

    assert refused.value.current.value == Decimal("7.00") and refused.value.current.version == 2
    stored = IndicatorValue.objects.get(pk=read.pk)
    assert (stored.value, stored.version, stored.events.count()) == (Decimal("7.00"), 2, 2)


def test_creating_when_someone_else_created_first_is_refused(users, yn_enterprise, indicator):
    indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year(), value="7", by=users["admin"])
    with pytest.raises(StaleEdit):
        # the editor saw no value (version 0)
        indicator_value_set(
            enterprise=yn_enterprise, indicator=indicator, year=year(), value="3", by=None, expected_version=0
        )
    assert IndicatorValue.objects.get(enterprise=yn_enterprise, indicator=indicator).value == Decimal("7.00")


def test_page_edit_carries_the_version_and_shows_the_current_value_on_a_conflict(
    client, users, yn_enterprise, indicator
):
    client.force_login(users["officer-yn"])
    url = reverse("measures:indicator_value", args=[yn_enterprise.pk, indicator.pk])
    page = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    assert f'action="{url}"' in page and 'name="version" value="0"' in page

    # the officer saves from a fresh page (no value yet: version 0)
    saved = client.post(url, {"value": "5", "version": "0"}, **HTMX).content.decode()
    assert 'name="version" value="1"' in saved and "手工填报" in saved
    # meanwhile the self-assessment acceptance (or a colleague) writes 12
    indicator_value_set(
        enterprise=yn_enterprise,
        indicator=indicator,
        year=year(),
        value="12",
        by=users["admin"],
        source=ChangeSource.ASSESSMENT,
    )

    # when the officer saves again from the row read at version 1
    conflict = client.post(url, {"value": "6", "version": "1"}, **HTMX).content.decode()

    # then nothing is overwritten, and the row shows what is stored now, ready to save at its version
    stored = IndicatorValue.objects.get(enterprise=yn_enterprise, indicator=indicator)
    assert (stored.value, stored.version) == (Decimal("12.00"), 2)
    assert "已被他人修改为 12" in conflict and "年度自评" in conflict
    assert 'value="12"' in conflict and 'name="version" value="2"' in conflict
    assert list(stored.events.values_list("source", flat=True).order_by("pgh_id")) == [
        ChangeSource.MANUAL,
        ChangeSource.ASSESSMENT,
    ]
    # and without htmx the error comes back as a message, the value still untouched
    response = client.post(url, {"value": "6", "version": "1"})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(pk=stored.pk).value == Decimal("12.00")


def test_admin_lists_indicator_value_changes_read_only(client, users, yn_enterprise, indicator):
    change = indicator_value_set(
        enterprise=yn_enterprise, indicator=indicator, year=year(), value="5", by=users["officer-yn"]
    ).events.get()
    client.force_login(users["admin"])
    assert client.get(reverse("admin:measures_indicatorvalueevent_changelist")).status_code == 200
    assert client.get(reverse("admin:measures_indicatorvalueevent_add")).status_code == 403
    detail = client.post(reverse("admin:measures_indicatorvalueevent_change", args=[change.pk]), {"value": "99"})
    assert detail.status_code == 403
    change.refresh_from_db()
    assert change.value == Decimal("5.00")


def test_accepting_writes_indicator_values_into_their_history_as_from_the_assessment(submitted, users):
    # given: the officer had typed one value by hand before the form was accepted
    officer, enterprise, year = users["officer-yn"], submitted.enterprise, submitted.period.year
    edu = submitted.indicator_answers.select_related("indicator").get(indicator__code="YN-06-edu-fund")
    indicator_value_set(enterprise=enterprise, indicator=edu.indicator, year=year, value="3", by=officer)
    assessment_services.review_indicator_save(answer=edu, by=officer, verified_value="0.5")

    # when
    assessment_services.assessment_accept(assessment=submitted, by=officer, comment="同意")

    # then: every accepted value has a change from the assessment, by the officer, naming the round
    # (every answer with a value but the derived ones: the register gives those, as 系统)
    answered = sum(
        1
        for a in submitted.indicator_answers.select_related("indicator")
        if not a.final.is_blank and not a.indicator.derived_from
    )
    from_assessment = IndicatorValueEvent.objects.filter(pgh_obj__enterprise=enterprise, source=ChangeSource.ASSESSMENT)
    assert answered > 0 and from_assessment.count() == answered
    assert {c.changed_by for c in from_assessment} == {officer}
    assert all("自评" in c.comment for c in from_assessment)
    # and the hand-typed value is kept in the history, replaced by the verified one
    edu_changes = list(IndicatorValueEvent.objects.filter(pgh_obj__indicator=edu.indicator).order_by("pgh_id"))
    assert [(c.source, c.old_value, c.value) for c in edu_changes] == [
        (ChangeSource.MANUAL, None, Decimal("3.00")),
        (ChangeSource.ASSESSMENT, Decimal("3.00"), Decimal("0.50")),
    ]
    assert IndicatorValue.objects.get(enterprise=enterprise, indicator=edu.indicator, year=year).version == 2


def test_indicator_history_page_lists_every_change_of_every_year(client, users, yn_enterprise):
    # given a value set twice this year and once last year, by the officer
    from django.urls import reverse
    from django.utils import timezone

    from measures.models import Indicator
    from measures.services import indicator_value_set

    officer = users["officer-yn"]
    indicator = Indicator.objects.get(code="YN-06-edu-fund")
    year = timezone.localdate().year
    indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year - 1, value="6.5", by=officer)
    indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year, value="0", by=officer)
    indicator_value_set(enterprise=yn_enterprise, indicator=indicator, year=year, value="8.5", by=officer)
    url = reverse("measures:indicator_history", args=[yn_enterprise.pk, indicator.pk])
    # when the officer opens the history
    client.force_login(officer)
    html = client.get(url).content.decode()
    # then every change shows, as a share, with the old value 0 shown as 0% (not as "none")
    assert f"{year} 年度" in html and f"{year - 1} 年度" in html
    assert "6.5%" in html and "8.5%" in html
    assert "<td>0%</td>" in html
    # and the enterprise page links to it
    assert url in client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()
    # and an officer of another province cannot see it
    client.force_login(users["officer-sx"])
    assert client.get(url).status_code == 404
