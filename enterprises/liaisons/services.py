"""Writes of liaison assignments and 直通车 visits. Keyword-only, one transaction each; every refusal is a
ValidationError naming the field ({field: [message]}) and saves nothing. The pages, the API and the demo call these;
who may call them at all is asked of `reform_portal.access.LiaisonPolicy` here too (a service is a door of its own)."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from reform_portal.access import LiaisonPolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS
from reform_portal.versioning import check_version

from .choices import PEOPLE_MET_MAX_CHARS, VISITORS_MAX_CHARS, LiaisonRole, is_liaison_role
from .models import LiaisonAssignment, Visit


def _add(problems: dict, name: str, message) -> None:
    problems.setdefault(name, []).append(str(message))


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


# Assignments -----------------------------------------------------------------------------------------------------


def assignment_problems(*, by, enterprise: Enterprise, user, role: str) -> dict[str, list[str]]:
    """Why `by` may not assign `user` to `enterprise` as `role`; empty when they may."""
    problems: dict[str, list[str]] = {}
    if enterprise is None or not LiaisonPolicy.can(by, LiaisonPolicy.ASSIGN, enterprise):
        _add(problems, "enterprise", _("您不负责该企业所在的地区，不能为其指派产改联络员或指导员。"))
        return problems
    if not is_liaison_role(role):
        _add(problems, "role", _("请选择角色：联络员或指导员。"))
        return problems
    user_id = getattr(user, "pk", user)
    if user_id is None:
        _add(problems, "user", _("请选择被指派的人员。"))
    elif user_id not in LiaisonPolicy.assignable_user_ids(enterprise, role):
        _add(
            problems,
            "user",
            _("只能指派负责该企业、并具有“%(role)s”资格的工会干部。") % {"role": LiaisonRole(role).label},
        )
    elif LiaisonAssignment.objects.filter(enterprise=enterprise, user_id=user_id, role=role, ended_at=None).exists():
        _add(problems, "user", _("该人员已是该企业的%(role)s。") % {"role": LiaisonRole(role).label})
    return problems


@transaction.atomic
def assignment_create(*, enterprise: Enterprise, user, role: str, by) -> LiaisonAssignment:
    """Assign `user` (a qualified officer in charge of `enterprise`) to it as 联络员 or 指导员."""
    enterprise = Enterprise.objects.select_related("region").get(pk=enterprise.pk)
    _raise(assignment_problems(by=by, enterprise=enterprise, user=user, role=role))
    assignment = LiaisonAssignment(
        enterprise=enterprise,
        user_id=getattr(user, "pk", user),
        role=role,
        assigned_at=timezone.now(),
        assigned_by=by,
    )
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:  # assigned by another request meanwhile
        raise ValidationError(
            {"user": [_("该人员已是该企业的%(role)s。") % {"role": LiaisonRole(role).label}]}
        ) from None
    return assignment


@transaction.atomic
def assignment_end(*, assignment: LiaisonAssignment, by) -> LiaisonAssignment:
    """End an active assignment now (the row stays: who was the enterprise's liaison when)."""
    current = lock_one(LiaisonAssignment.objects.select_related("enterprise__region"), pk=assignment.pk)
    if not LiaisonPolicy.can(by, LiaisonPolicy.END, current):
        raise ValidationError({"enterprise": [_("您不负责该企业所在的地区，不能结束这项指派。")]})
    if current.ended_at is not None:
        raise ValidationError({"ended_at": [_("这项指派已于 %(when)s 结束。") % {"when": _when(current.ended_at)}]})
    current.ended_at = timezone.now()
    current.ended_by = by
    current.save(update_fields=["ended_at", "ended_by", "updated_at"])
    return current


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def assignment_choices(enterprise) -> list[tuple[int, str]]:
    """The officers who may be assigned to `enterprise` in either role (qualified for one of them), by username."""
    ids = LiaisonPolicy.assignable_user_ids(enterprise, None)
    users = get_user_model().objects.filter(pk__in=sorted(ids)).order_by("username")
    return [(u.pk, _person(u)) for u in users]


def _person(user) -> str:
    name = user.get_full_name()
    return f"{name}（{user.username}）" if name else user.username


# Visits ----------------------------------------------------------------------------------------------------------

VISIT_FIELDS = ("visited_on", "other_visitors", "people_met", "questions_answered", "follow_ups", "follow_up_due")


def visit_problems(*, visited_on, other_visitors, people_met, questions_answered, follow_ups, follow_up_due) -> dict:
    """Why these values cannot be a visit's; empty when they can (each message with its field)."""
    problems: dict[str, list[str]] = {}
    today = timezone.localdate()
    if visited_on is None:
        _add(problems, "visited_on", _("请填写走访日期。"))
    elif visited_on > today:
        _add(problems, "visited_on", _("走访日期不能晚于今天（只记录已经开展的走访）。"))
    limits = (
        ("other_visitors", other_visitors, VISITORS_MAX_CHARS),
        ("people_met", people_met, PEOPLE_MET_MAX_CHARS),
        ("questions_answered", questions_answered, ANSWER_MAX_CHARS),
        ("follow_ups", follow_ups, NOTE_MAX_CHARS),
    )
    for name, value, limit in limits:
        if len(value or "") > limit:
            _add(problems, name, _("不能超过 %(n)s 个字（现有 %(m)s 个字）。") % {"n": limit, "m": len(value)})
    if not (people_met or "").strip():
        _add(problems, "people_met", _("请填写接待的企业人员（姓名、职务）。"))
    if not (questions_answered or "").strip():
        _add(problems, "questions_answered", _("请填写现场解答的问题。"))
    if follow_up_due is not None:
        if not (follow_ups or "").strip():
            _add(problems, "follow_ups", _("填写了完成期限，请同时写明后续事项。"))
        if visited_on is not None and follow_up_due < visited_on:
            _add(problems, "follow_up_due", _("后续事项的完成期限不能早于走访日期。"))
    return problems


def _clean(values: dict) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}


@transaction.atomic
def visit_log(
    *,
    enterprise: Enterprise,
    visited_on: date,
    people_met: str,
    questions_answered: str,
    other_visitors: str = "",
    follow_ups: str = "",
    follow_up_due: date | None = None,
    by,
    source: str = ChangeSource.MANUAL,
) -> Visit:
    """Log a 直通车 visit to `enterprise`, made by `by` (an officer who sees it, or an administrator)."""
    enterprise = Enterprise.objects.select_related("region").get(pk=enterprise.pk)
    if not LiaisonPolicy.can(by, LiaisonPolicy.LOG, enterprise):
        raise ValidationError({"enterprise": [_("未找到该企业，或您不能为该企业记录走访。")]})
    values = _clean(
        {
            "visited_on": visited_on,
            "other_visitors": other_visitors or "",
            "people_met": people_met or "",
            "questions_answered": questions_answered or "",
            "follow_ups": follow_ups or "",
            "follow_up_due": follow_up_due,
        }
    )
    _raise(visit_problems(**values))
    with change_context(by=by, source=source):
        return Visit.objects.create(enterprise=enterprise, recorded_by=by, **values)


@transaction.atomic
def visit_update(*, visit: Visit, expected_version: int | None, by, **changes) -> Visit:
    """Change a visit's fields (`changes`, any of VISIT_FIELDS); refused (StaleEdit) when it changed since the editor
    read `expected_version`."""
    unknown = set(changes) - set(VISIT_FIELDS)
    if unknown:
        raise TypeError(f"not a visit's field: {sorted(unknown)}")
    current = lock_one(Visit.objects.select_related("enterprise__region"), pk=visit.pk)
    check_version(current, expected_version, label=lambda: _("%(name)s 的走访记录") % {"name": current.enterprise.name})
    if not LiaisonPolicy.can(by, LiaisonPolicy.CHANGE_VISIT, current):
        raise ValidationError({"enterprise": [_("您不能修改这条走访记录。")]})
    values = {name: getattr(current, name) for name in VISIT_FIELDS}
    values.update(
        {k: ("" if v is None and k not in ("visited_on", "follow_up_due") else v) for k, v in changes.items()}
    )
    values = _clean(values)
    _raise(visit_problems(**values))
    with change_context(by=by, source=ChangeSource.MANUAL):
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=[*VISIT_FIELDS, "updated_at"])
    current.refresh_from_db(fields=["version"])
    return current
