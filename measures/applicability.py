"""Who each document, measure and indicator applies to: the one place that decides.

The catalogue files give a document, a measure or an indicator `conditions` on the enterprise's facts (ownership,
supervision level and body, size class, headcount, 规模以上, 龙头企业, a board); docs/applicability.md quotes the
sentence each comes from. Conditions combine by AND down the catalogue: an indicator applies where its document's,
its measure's and its own conditions all hold, and always only to enterprises of the document's province. The
combined conditions are a `Scope` row (shared by everything with the same conditions; measures/models.py).

`CONDITIONS` below is the definition; every face is generated from it:

- `scope_applies(scope, enterprise)`: for one object (the enterprise page, the self-assessment);
- `scopes_for(enterprise)`: the scopes that apply to one enterprise (its measures and indicators);
- `enterprises_q(scope)`: the enterprises a scope applies to, as a Q over enterprises (lists, group figures);
- `applies_to_outer_q()`: a Q over scopes correlated with an outer enterprise query (OuterRef);
- `applicable_q()`: a Q over rows that join both (progress, indicator values): those whose measure or indicator
  applies to their enterprise (`Progress.objects.applicable()`, `IndicatorValue.objects.applicable()`);
- `applies_sql(s, e, province)`: SQL text over table aliases (the tallies the database keeps for the rollups).

A measure that no longer applies to an enterprise (its size or ownership changed) keeps its progress and values,
which are then neither asked nor counted; they count again if it applies again.
"""

import json
from collections.abc import Mapping
from typing import NamedTuple

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from enterprises.choices import Ownership, SizeClass, SupervisionLevel, Supervisor
from enterprises.models import Enterprise

ONE_OF, AT_LEAST, IS = "one_of", "at_least", "is"


class Condition(NamedTuple):
    key: str  # the key in the catalogue files and the Scope field
    fact: str  # the Enterprise field it reads
    test: str  # ONE_OF: the fact is one of a list; AT_LEAST: the fact ≥ a number; IS: the fact is true
    choices: type | None  # the values a ONE_OF list may hold
    label: object


CONDITIONS = (
    Condition("ownership", "ownership", ONE_OF, Ownership, _("所有制")),
    Condition("supervision_level", "supervision_level", ONE_OF, SupervisionLevel, _("国资监管层级")),
    Condition("supervisor", "supervisor", ONE_OF, Supervisor, _("监管机构类别")),
    Condition("size_class", "size_class", ONE_OF, SizeClass, _("企业规模")),
    Condition("min_employees", "employees", AT_LEAST, None, _("职工人数不少于")),
    Condition("above_scale", "above_scale", IS, None, _("规模以上企业")),
    Condition("leading", "leading", IS, None, _("龙头企业")),
    Condition("has_board", "has_board", IS, None, _("设有董事会或监事会")),
)
BY_KEY = {c.key: c for c in CONDITIONS}
# The enterprise fields applicability reads (besides its province): a change of one may change what applies.
FACTS = tuple(c.fact for c in CONDITIONS)


# Conditions as data -----------------------------------------------------------------------------------------------


def conditions_problems(conditions) -> list[str]:
    """What is wrong with a `conditions` object of a catalogue file; empty when it is valid."""
    if not isinstance(conditions, Mapping):
        return [str(_("“conditions”应为对象。"))]
    problems = []
    for key, value in conditions.items():
        condition = BY_KEY.get(key)
        if condition is None:
            problems.append(
                str(_("未知的适用条件“%(key)s”，可选：%(keys)s。") % {"key": key, "keys": "、".join(BY_KEY)})
            )
        elif condition.test == ONE_OF:
            if not isinstance(value, list) or not value or any(v not in condition.choices.values for v in value):
                problems.append(
                    str(
                        _("适用条件“%(key)s”应为非空列表，取值可选：%(choices)s。")
                        % {"key": key, "choices": "、".join(condition.choices.values)}
                    )
                )
        elif condition.test == AT_LEAST:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(str(_("适用条件“%(key)s”应为正整数。") % {"key": key}))
        elif value is not True:
            problems.append(str(_("适用条件“%(key)s”只能为 true。") % {"key": key}))
    return problems


def combine(*condition_sets: Mapping) -> dict:
    """The conditions that hold where all of `condition_sets` hold: lists intersect, thresholds take the highest,
    yes/no conditions add up. An empty list is a scope no enterprise can meet."""
    combined: dict = {}
    for conditions in condition_sets:
        for key, value in (conditions or {}).items():
            test = BY_KEY[key].test
            if key not in combined:
                combined[key] = sorted(value) if test == ONE_OF else value
            elif test == ONE_OF:
                combined[key] = sorted(set(combined[key]) & set(value))
            elif test == AT_LEAST:
                combined[key] = max(combined[key], value)
    return combined


def scope_for(*, province_id: int, conditions: Mapping):
    """The Scope of the enterprises of `province_id` meeting `conditions` (created the first time it is needed)."""
    from .models import Scope

    conditions = combine(conditions)
    key = json.dumps({"province": province_id, **conditions}, sort_keys=True, ensure_ascii=False)
    scope, _created = Scope.objects.get_or_create(key=key, defaults={"province_id": province_id, **conditions})
    return scope


def combined_conditions(item) -> dict:
    """A document's, measure's or indicator's conditions together with those of what it belongs to."""
    from .models import Indicator, Measure

    if isinstance(item, Indicator):
        return combine(combined_conditions(item.measure), item.conditions)
    if isinstance(item, Measure):
        return combine(item.document.conditions, item.conditions)
    return combine(item.conditions)


def scope_refresh(item):
    """Point `item` (document, measure or indicator, not yet saved) at the scope its conditions make."""
    province_id = item.province_id if hasattr(item, "province_id") else None
    if province_id is None:
        document = item.document if hasattr(item, "document_id") else item.measure.document
        province_id = document.province_id
    item.scope = scope_for(province_id=province_id, conditions=combined_conditions(item))


def scope_conditions(scope) -> dict:
    """The conditions a scope sets (the unset ones left out)."""
    return {c.key: getattr(scope, c.key) for c in CONDITIONS if getattr(scope, c.key) is not None}


# Faces ------------------------------------------------------------------------------------------------------------


def enterprise_province_id(enterprise: Enterprise) -> int:
    return enterprise.region.parent_id


def scope_applies(scope, enterprise: Enterprise) -> bool:
    """Whether `scope` applies to `enterprise` (its current facts)."""
    if scope.province_id != enterprise_province_id(enterprise):
        return False
    for c in CONDITIONS:
        required, fact = getattr(scope, c.key), getattr(enterprise, c.fact)
        if required is None:
            continue
        if c.test == ONE_OF and fact not in required:
            return False
        if c.test == AT_LEAST and (fact or 0) < required:
            return False
        if c.test == IS and bool(fact) != required:
            return False
    return True


def _scope_q(prefix: str, facts: Mapping, province) -> Q:
    """Q over scopes (under `prefix`) that hold for the enterprise whose facts are `facts` (values or expressions)."""
    q = Q(**{f"{prefix}province_id": province})
    for c in CONDITIONS:
        field, fact = f"{prefix}{c.key}", facts[c.fact]
        if c.test == ONE_OF:
            held = Q(**{f"{field}__contains": [fact] if not hasattr(fact, "resolve_expression") else _array(fact)})
        elif c.test == AT_LEAST:
            held = Q(**{f"{field}__lte": fact})
        else:
            held = Q(**{field: fact})
        q &= Q(**{f"{field}__isnull": True}) | held
    return q


class _array(Func):
    """ARRAY[expression]: one value as a one-element array, to test it against a scope's list."""

    template = "ARRAY[%(expressions)s]::varchar[]"
    output_field = ArrayField(models.CharField())


def scopes_for(enterprise: Enterprise, prefix: str = "") -> Q:
    """Q over scopes (or, with `prefix` "scope__", over documents, measures and indicators) that apply to
    `enterprise`."""
    facts = {c.fact: getattr(enterprise, c.fact) for c in CONDITIONS}
    return _scope_q(prefix, facts, enterprise_province_id(enterprise))


def applies_to_outer_q(prefix: str = "scope__", enterprise: str = "") -> Q:
    """Q over scopes (under `prefix`) that apply to the enterprise of an outer query (OuterRef(`enterprise`…))."""
    facts = {c.fact: OuterRef(f"{enterprise}{c.fact}") for c in CONDITIONS}
    return _scope_q(prefix, facts, OuterRef(f"{enterprise}region__parent_id"))


def applicable_q(scope: str = "measure__scope__", enterprise: str = "enterprise__") -> Q:
    """Q over rows that reach a scope (under `scope`) and an enterprise (under `enterprise`): those whose scope
    applies to their enterprise. Progress: the defaults; indicator values: scope="indicator__scope__"."""
    facts = {c.fact: F(f"{enterprise}{c.fact}") for c in CONDITIONS}
    return _scope_q(scope, facts, F(f"{enterprise}region__parent_id"))


def enterprises_q(scope, prefix: str = "") -> Q:
    """Q over enterprises (under `prefix`) that `scope` applies to."""
    q = Q(**{f"{prefix}region__parent_id": scope.province_id})
    for c in CONDITIONS:
        required = getattr(scope, c.key)
        if required is None:
            continue
        lookup = {ONE_OF: "__in", AT_LEAST: "__gte", IS: ""}[c.test]
        q &= Q(**{f"{prefix}{c.fact}{lookup}": required})
    return q


def applies_sql(s: str, e: str, province: str) -> str:
    """SQL: scope `s` applies to enterprise `e` whose province id is the SQL expression `province`."""
    parts = [f"{s}.province_id = {province}"]
    for c in CONDITIONS:
        test = {
            ONE_OF: f"{e}.{c.fact} = ANY({s}.{c.key})",
            AT_LEAST: f"{e}.{c.fact} >= {s}.{c.key}",
            IS: f"{e}.{c.fact} = {s}.{c.key}",
        }[c.test]
        parts.append(f"({s}.{c.key} IS NULL OR {test})")
    return "(" + " AND ".join(parts) + ")"


# What applies to one enterprise -----------------------------------------------------------------------------------


def documents_for(enterprise: Enterprise) -> QuerySet:
    from .models import PolicyDocument

    return PolicyDocument.objects.filter(scopes_for(enterprise, "scope__"))


def document_applies_to(document, enterprise: Enterprise) -> bool:
    return scope_applies(document.scope, enterprise)


def applicable_measures(enterprise: Enterprise) -> QuerySet:
    """The tracked measures that apply to `enterprise`."""
    from .models import Measure

    return Measure.objects.tracked().filter(scopes_for(enterprise, "scope__")).select_related("document", "section")


def applicable_indicators(enterprise: Enterprise) -> QuerySet:
    """The indicators of tracked measures that apply to `enterprise`."""
    from .choices import TRACKED_ADDRESSEES
    from .models import Indicator

    return Indicator.objects.filter(
        scopes_for(enterprise, "scope__"), measure__addressee__in=TRACKED_ADDRESSEES
    ).select_related("measure", "scope")


def enterprises_for_document(document) -> QuerySet:
    return Enterprise.objects.filter(enterprises_q(document.scope))


def has_applicable_measures_q(prefix: str = "") -> Q:
    """Q for the enterprises (under `prefix`) that at least one tracked measure applies to: the twin, over a
    queryset, of `applicable_measures(enterprise).exists()`, as a correlated EXISTS."""
    from .models import Measure

    return Q(Exists(Measure.objects.tracked().filter(applies_to_outer_q("scope__", prefix))))
