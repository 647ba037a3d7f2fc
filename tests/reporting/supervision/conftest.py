"""Orders for the supervision tests: a Kunming enterprise (and a second one), the roles of both provinces."""

from datetime import date

import pytest

from measures.applicability import applicable_measures
from reporting.supervision import lights
from tests.conftest import make_yn_enterprise
from tests.factories import EnterpriseFactory

# A Monday in a published year, with no holiday within two weeks: the tests' "today" unless they move it.
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Every face of the light rule and every service reads `lights.today()`: the tests set it."""
    clock = {"today": TODAY}
    monkeypatch.setattr(lights, "today", lambda: clock["today"])
    return clock


@pytest.fixture
def second_yn(kunming):
    from measures.services import progress_ensure

    enterprise = EnterpriseFactory(name="昆明第二测试有限公司", region=kunming)
    progress_ensure(enterprise=enterprise)
    return enterprise


def measures_of(enterprise, n=2):
    return list(applicable_measures(enterprise).order_by("document_id", "position")[:n])


__all__ = ["TODAY", "make_yn_enterprise", "measures_of"]
