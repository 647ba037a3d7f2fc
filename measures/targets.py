"""Whether an indicator value meets its target: the one definition, and its three faces.

An indicator compares its value with its target (≥, ≤, =), or asks yes/no (是: a value of 1 or more is yes);
a 仅统计 indicator only counts and never meets anything, nor does a value against a missing target. `RULES` below is
that definition; every face is generated from it:

- `is_met(indicator, value)`: for one object (the enterprise page, the self-assessment);
- `met_q(indicator=…, value=…)`: a Q over a queryset (the dashboard's drill-down);
- `met_sql(i, v)`: SQL text over table aliases (the tallies the database keeps for the rollups).
"""

import operator
from decimal import Decimal
from functools import reduce
from typing import NamedTuple

from django.db.models import F, Q

from .choices import Comparison


class Rule(NamedTuple):
    test: object  # the Python operator applied as test(value, target)
    lookup: str  # the ORM lookup that does the same
    sql: str  # the SQL operator that does the same
    constant: Decimal | None  # the fixed target, or None to compare with the indicator's own target


RULES = {
    Comparison.GTE: Rule(operator.ge, "gte", ">=", None),
    Comparison.LTE: Rule(operator.le, "lte", "<=", None),
    Comparison.EQ: Rule(operator.eq, "exact", "=", None),
    Comparison.TRUE: Rule(operator.ge, "gte", ">=", Decimal(1)),
    # Comparison.INFO has no rule: 仅统计 never meets.
}


def is_met(indicator, value: Decimal | None) -> bool | None:
    """Whether `value` meets `indicator`'s target; None when there is no value or nothing to meet."""
    rule = RULES.get(indicator.comparison)
    target = rule.constant if rule and rule.constant is not None else getattr(indicator, "target", None)
    if value is None or rule is None or target is None:
        return None
    return bool(rule.test(value, target))


def met_q(*, indicator: str = "indicator__", value: str = "value") -> Q:
    """Q for the rows whose `value` meets the target of the indicator under the `indicator` prefix; over indicator
    values: met_q(); over indicators annotated with a value: met_q(indicator="", value="the_annotation")."""
    return reduce(
        operator.or_,
        (
            Q(
                **{
                    f"{indicator}comparison": comparison,
                    f"{value}__{rule.lookup}": rule.constant if rule.constant is not None else F(f"{indicator}target"),
                }
            )
            for comparison, rule in RULES.items()
        ),
    )


def met_sql(i: str = "i", v: str = "v") -> str:
    """SQL: the value `v.value` meets the target of indicator `i` (NULL target or value: not met)."""
    parts = []
    for comparison, rule in RULES.items():
        target = rule.constant if rule.constant is not None else f"{i}.target"
        parts.append(f"({i}.comparison = '{comparison.value}' AND {v}.value {rule.sql} {target})")
    return "(" + " OR ".join(parts) + ")"
