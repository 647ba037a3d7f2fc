"""The conditions a catalogue file may set on who a document, measure or indicator applies to, as data: the one
table `CONDITIONS`, checked, combined and described here, and turned into a Q over scopes by `scope_q`. The models
build their `Scope` rows from it; measures/applicability.py generates the faces of the rule from it."""

import json
from collections.abc import Mapping
from typing import NamedTuple

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from enterprises.choices import Ownership, SizeClass, SupervisionLevel, Supervisor

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


def describe(conditions: Mapping) -> list[str]:
    """The conditions in words, one per condition: "企业规模：大型", "职工人数不少于：100", "龙头企业"."""
    words = []
    for c in CONDITIONS:
        value = (conditions or {}).get(c.key)
        if value is None:
            continue
        if c.test == ONE_OF:
            words.append(f"{c.label}：{'、'.join(str(c.choices(v).label) for v in value)}")
        elif c.test == AT_LEAST:
            words.append(f"{c.label}：{value}")
        else:
            words.append(str(c.label))
    return words


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


def scope_key(province_id: int, conditions: Mapping) -> str:
    """The text that names a scope: its province and its conditions, in a fixed order."""
    return json.dumps({"province": province_id, **conditions}, sort_keys=True, ensure_ascii=False)


def scope_q(prefix: str, facts: Mapping, province) -> Q:
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


def applicable_q(scope: str = "measure__scope__", enterprise: str = "enterprise__") -> Q:
    """Q over rows that reach a scope (under `scope`) and an enterprise (under `enterprise`): those whose scope
    applies to their enterprise. Progress: the defaults; indicator values: scope="indicator__scope__"."""
    facts = {c.fact: F(f"{enterprise}{c.fact}") for c in CONDITIONS}
    return scope_q(scope, facts, F(f"{enterprise}region__parent_id"))
