"""Who each document, measure and indicator applies to: the one place that decides.

The catalogue files give a document, a measure or an indicator `conditions` on the enterprise's facts (ownership,
supervision level and body, size class, headcount, 规模以上, 龙头企业, a board); docs/applicability.md quotes the
sentence each comes from. Conditions combine by AND down the catalogue: an indicator applies where its document's,
its measure's and its own conditions all hold, and always only to enterprises of the document's province. The
combined conditions are a `Scope` row (shared by everything with the same conditions; measures/models.py).

`CONDITIONS` below is the definition; every face is generated from it:

- `scope_applies(scope, enterprise)`: for one object (the enterprise page, the self-assessment);
- `scopes_for(enterprise)`: the scopes that apply to one enterprise (its measures and indicators;
  `progress_applicable_to(enterprise)`: its progress rows that count);
- `enterprises_q(scope)`: the enterprises a scope applies to, as a Q over enterprises (lists, group figures);
- `applies_to_outer_q()`: a Q over scopes correlated with an outer enterprise query (OuterRef);
- `applicable_q()`: a Q over rows that join both (progress, indicator values): those whose measure or indicator
  applies to their enterprise (`Progress.objects.applicable()`, `IndicatorValue.objects.applicable()`);
- `applies_sql(s, e, province)`: SQL text over table aliases (the tallies the database keeps for the rollups).

A measure that no longer applies to an enterprise (its size or ownership changed) keeps its progress and values,
which are then neither asked nor counted; they count again if it applies again.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from enterprises.models import Enterprise

from .conditions import (  # noqa: F401 (the rule's data, re-exported with its faces)
    AT_LEAST,
    CONDITIONS,
    FACTS,
    IS,
    ONE_OF,
    _array,
    applicable_q,
    combine,
    conditions_problems,
    describe,
    scope_q,
)


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


def scopes_for(enterprise: Enterprise, prefix: str = "") -> Q:
    """Q over scopes (or, with `prefix` "scope__", over documents, measures and indicators) that apply to
    `enterprise`."""
    facts = {c.fact: getattr(enterprise, c.fact) for c in CONDITIONS}
    return scope_q(prefix, facts, enterprise_province_id(enterprise))


def applies_to_outer_q(prefix: str = "scope__", enterprise: str = "") -> Q:
    """Q over scopes (under `prefix`) that apply to the enterprise of an outer query (OuterRef(`enterprise`…))."""
    facts = {c.fact: OuterRef(f"{enterprise}{c.fact}") for c in CONDITIONS}
    return scope_q(prefix, facts, OuterRef(f"{enterprise}region__parent_id"))


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


def progress_applicable_to(enterprise: Enterprise) -> QuerySet:
    """The progress rows of `enterprise` that `Progress.objects.applicable()` keeps, from the enterprise's loaded
    facts: its measures are matched to their scopes in a subquery over the catalogue instead of joining the
    enterprise, its region and the scope to every row (planning that join was most of an enterprise page's SQL)."""
    from .models import Measure, Progress

    measures = Measure.objects.filter(scopes_for(enterprise, "scope__")).values("pk")
    return Progress.objects.filter(enterprise=enterprise, measure__in=measures)


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
