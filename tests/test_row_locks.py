"""Row locks go through reform_portal.locks: only the rows meant, in primary-key order (that two enterprises' writes
then never wait on each other is shown in tests/reporting/assessments/test_locks.py)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from enterprises.models import Enterprise, Region
from reform_portal.locks import lock_rows
from tests.factories import EnterpriseFactory

PORTAL_DIRS = ("reform_portal", "enterprises", "measures", "reporting")


def test_no_code_locks_rows_except_through_the_helper():
    # A select_for_update() written anywhere else would lock every table its query joins (a period, a region...).
    base = Path(settings.BASE_DIR)
    helper = base / "reform_portal" / "locks.py"
    offenders = [
        str(path.relative_to(base))
        for top in PORTAL_DIRS
        for path in (base / top).rglob("*.py")
        if path != helper and "migrations" not in path.parts and "select_for_update(" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.django_db
def test_lock_rows_returns_the_rows_in_primary_key_order():
    kunming = Region.objects.get(code="530100")
    made = [EnterpriseFactory(region=kunming) for _ in range(3)]
    with transaction.atomic():
        rows = lock_rows(Enterprise.objects.filter(pk__in=[e.pk for e in made]).order_by("-name"))
    assert [r.pk for r in rows] == sorted(e.pk for e in made)
