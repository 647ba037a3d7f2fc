"""Numbers read as people write them (issue 13, item 4): a target "≥ 60%", never "6E+1" or "60.00"; a share carries
% whatever its catalogue unit; a yes/no reads 是/否. One formatting path: measures.models.plain_number for the
number, Indicator.display_unit for its unit, Indicator.target_display and indicator_values.value_display."""

from decimal import Decimal

import pytest

from measures.choices import Comparison, IndicatorKind
from measures.indicator_values import sheet_value, value_display
from measures.models import Indicator, plain_number

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (Decimal("6E+1"), "60"),
        (Decimal("60.00"), "60"),
        (Decimal("8.50"), "8.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.00"), "0"),
        (Decimal("0E-2"), "0"),
        (Decimal("12.25"), "12.25"),
        (None, ""),
    ],
)
def test_plain_number(number, written):
    assert plain_number(number) == written


def test_a_share_target_reads_at_least_sixty_percent_even_stored_as_6e1_and_without_a_unit():
    share = Indicator.objects.get(code="SX-04-frontline-share")
    share.target = Decimal("6E+1")
    assert share.target_display == "≥ 60%"
    share.unit = ""  # a catalogue that left the unit out: a share is still a percentage
    assert share.target_display == "≥ 60%"
    assert value_display(share, Decimal("6E+1")) == "60%"
    count = Indicator(kind=IndicatorKind.COUNT, comparison=Comparison.LTE, target=Decimal("0E+1"), unit="个")
    assert count.target_display == "≤ 0个"


def test_yes_no_reads_shi_fou_on_pages_and_in_workbooks():
    flag = Indicator.objects.get(code="YN-11-union")
    assert flag.kind == IndicatorKind.BOOLEAN and flag.target_display == "是"
    for stored, shown in ((Decimal("1.00"), "是"), (Decimal("0"), "否"), (True, "是"), (False, "否"), (1, "是")):
        assert value_display(flag, stored) == shown
        assert sheet_value(flag, stored) == shown
