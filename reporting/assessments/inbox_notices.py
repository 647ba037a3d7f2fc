"""The self-assessment cycle's notices in the inbox (reform_portal/inbox; docs/inbox.md): who is told what.

- a step of an assessment's trail (`AssessmentTransition`, append-only: every state change writes one) tells, in the
  same transaction, by a receiver of its post_save — so the review services need not know of the inbox:
  submitted (or submitted again) → the officers in charge of the enterprise (`access.officers_in_charge`, its
  nearest union level); returned, accepted → the enterprise's users and the group users it is granted to;
  forwarded (two-level review) → the province union's officers in charge; returned to the first level → the
  officers in charge. Whoever took the step is not told of it;
- a reminder (`AssessmentNotice`, sent by an officer or by the daily task) → the enterprise's users and group users
  (`notify_reminded`);
- an escalation of an overdue enterprise → the officers it was escalated to (`notify_escalated`)."""

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from enterprises.choices import RegionLevel
from enterprises.models import Profile
from reform_portal.access import GroupGrantPolicy, officers_in_charge
from reform_portal.inbox.choices import NoticeKind
from reform_portal.inbox.services import notify, notify_each

from .choices import TransitionAction
from .models import Assessment, AssessmentTransition

BODY_LIST_MAX = 30  # enterprises named in an escalation's notice (the rest counted)


def fillers_of(enterprise_ids) -> dict[int, tuple[set[int], set[int]]]:
    """Per enterprise: (its own users, the group users it is granted to), active ones (two queries)."""
    ids = sorted(set(enterprise_ids))
    result: dict[int, tuple[set[int], set[int]]] = {pk: (set(), set()) for pk in ids}
    active = Profile.objects.filter(user__is_active=True)
    for user_id, enterprise_id in active.filter(enterprise_id__in=ids).values_list("user_id", "enterprise_id"):
        result[enterprise_id][0].add(user_id)
    rows = GroupGrantPolicy.group_profiles(active).filter(charge_enterprises__in=ids)
    for user_id, enterprise_id in rows.values_list("user_id", "charge_enterprises"):
        result[enterprise_id][1].add(user_id)
    return result


def _officers(enterprise, *, level: str | None = None) -> list[int]:
    """The officers in charge of `enterprise` at its nearest union level (or at `level`)."""
    chain = officers_in_charge([enterprise]).get(enterprise.pk, [])
    if level is None:
        return chain[0][1] if chain else []
    return next((users for at, users in chain if at == level), [])


def _transition_notice(transition: AssessmentTransition) -> None:
    assessment: Assessment = transition.assessment
    enterprise, period = assessment.enterprise, assessment.period
    names = {"enterprise": enterprise.name, "period": period.label}
    url = reverse("reporting:assessments:detail", args=[assessment.pk])
    action = transition.action
    if action == TransitionAction.SUBMIT:
        again = transition.round > 1
        title = _("%(enterprise)s重新提交了%(period)s自评表") if again else _("%(enterprise)s提交了%(period)s自评表")
        users = _officers(enterprise)
    elif action == getattr(TransitionAction, "FORWARD", None):
        title = _("%(enterprise)s的%(period)s自评表已初审通过，待复审")
        users = _officers(enterprise, level=RegionLevel.PROVINCE)
    elif action == getattr(TransitionAction, "RETURN_TO_REVIEWER", None):
        title = _("%(enterprise)s的%(period)s自评表被退回初审")
        users = _officers(enterprise)
    elif action in (TransitionAction.RETURN, TransitionAction.ACCEPT):
        title = (
            _("%(period)s自评表已退回，请修改后重新提交")
            if action == TransitionAction.RETURN
            else _("%(period)s自评表已审核通过")
        )
        own, granted = fillers_of([enterprise.pk])[enterprise.pk]
        users = own | granted
    else:
        return
    users = set(users) - {transition.by_id}
    if users:
        notify(
            user_ids=users,
            kind=NoticeKind.ASSESSMENT,
            title=title % names,
            body=transition.comment or "",
            url=url,
            enterprise_id=enterprise.pk,
        )


def on_transition_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of AssessmentTransition (append-only: only creations matter); fixtures (`raw`) tell no one."""
    if created and not raw:
        _transition_notice(instance)


def connect() -> None:
    post_save.connect(on_transition_saved, sender=AssessmentTransition, dispatch_uid="assessments-inbox-notices")


def notify_reminded(*, period, enterprise_ids, message: str) -> int:
    """Each reminded enterprise's users and group users get the reminder in their inbox (in the caller's
    transaction; one statement each for enterprise users and group users)."""
    fillers = fillers_of(enterprise_ids)
    title = _("%(period)s自评填报提醒") % {"period": period.label}
    own = [(u, pk) for pk, (users, _granted) in fillers.items() for u in users]
    granted = [(u, pk) for pk, (_users, users) in fillers.items() for u in users]
    sent = notify_each(
        rows=own, kind=NoticeKind.REMINDER, title=title, body=message, url=reverse("reporting:assessments:index")
    )
    return sent + notify_each(rows=granted, kind=NoticeKind.REMINDER, title=title, body=message, url=reverse("home"))


def notify_escalated(*, period, rows, recorded, enterprises, today) -> int:
    """The officers an escalation reached get one notice per batch listing their overdue enterprises. `rows`:
    (enterprise id, level, officer ids) of the batch; `recorded`: those written this time."""
    from .deadlines import deadline_state

    names = {e.pk: e.name for e in enterprises}
    listed: dict[int, list[str]] = {}
    for pk, _level, recipients in rows:
        if pk in recorded:
            for user_id in recipients:
                listed.setdefault(user_id, []).append(names.get(pk, str(pk)))
    state = deadline_state(period.deadline, today).text
    query = urlencode({"period": period.pk})
    url = f"{reverse('reporting:assessments:index')}?{query}"
    sent = 0
    for user_id, enterprise_names in sorted(listed.items()):
        enterprise_names.sort()
        title = _("%(period)s自评逾期未提交企业（%(n)s 家）") % {"period": period.label, "n": len(enterprise_names)}
        body = "、".join(enterprise_names[:BODY_LIST_MAX])
        if len(enterprise_names) > BODY_LIST_MAX:
            body += _("等 %(n)s 家") % {"n": len(enterprise_names)}
        body = _("截止日期 %(due)s，%(state)s：") % {"due": period.due_date, "state": state} + body
        sent += notify(user_ids=[user_id], kind=NoticeKind.ESCALATION, title=title, body=body, url=url)
    return sent
