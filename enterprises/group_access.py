"""Granting group users (集团用户) the subsidiaries they fill in for, and taking the grants back.

A grant is a row of the group user's `Profile.charge_enterprises`; who may make or take one back is
reform_portal.access.GroupGrantPolicy's rule (officers: subsidiaries in their charge below the group's head
enterprise; administrators: any below it). These services are the one write path for them (the group's page of
grants and the admin both call them): each checks the rule for every enterprise before writing anything, locks the
profile so that two grantors' changes queue rather than interleave, and records what it changed as an entry of the
admin's log (django.contrib.admin's LogEntry) on the profile: who, when, which enterprises added or taken back.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reform_portal.access import GroupGrantPolicy
from reform_portal.locks import lock_one

from .models import Enterprise, Profile

# The name under which the log shows a grant; translated when the log is read (LogEntry.get_change_message).
GRANT_LOG_NAME = gettext_noop("获准代为填报的子公司")


def _ids(enterprises) -> set[int]:
    return {getattr(e, "pk", e) for e in enterprises}


def _locked_group_profile(profile) -> Profile:
    profile = lock_one(Profile.objects.select_related("user", "enterprise"), profile.pk)
    if not GroupGrantPolicy.is_group_profile(profile):
        raise ValidationError(_("只能为集团用户（已指定集团本部企业）授权代为填报的子公司。"))
    return profile


def _refuse_unless_all(allowed: QuerySet, wanted: set[int], message: str) -> list[Enterprise]:
    """The enterprises of `wanted`, all of which must be in `allowed`; otherwise nothing is written. The refusal
    counts the others and names none (they may be enterprises the user does not see)."""
    found = {e.pk: e for e in allowed.filter(pk__in=sorted(wanted))}
    refused = wanted - set(found)
    if refused:
        raise PermissionDenied(message % {"n": len(refused)})
    return sorted(found.values(), key=lambda e: e.name)


def _record(*, by, profile, added=(), removed=()) -> LogEntry:
    message = [{"added": {"name": GRANT_LOG_NAME, "object": str(e)}} for e in added]
    message += [{"deleted": {"name": GRANT_LOG_NAME, "object": str(e)}} for e in removed]
    return LogEntry.objects.log_actions(
        user_id=by.pk, queryset=[profile], action_flag=CHANGE, change_message=message, single_object=True
    )


@transaction.atomic
def group_grant(*, by, profile: Profile, enterprises) -> list[Enterprise]:
    """Grant the group user `profile` the `enterprises` (objects or ids); return those newly granted.

    All or nothing: an enterprise `by` may not grant (outside their charge, or not below the group's head) refuses
    the whole call with PermissionDenied."""
    if not GroupGrantPolicy.can(by, GroupGrantPolicy.GRANT):
        raise PermissionDenied(_("只有工会干部和管理员可以管理集团用户的授权。"))
    profile = _locked_group_profile(profile)
    wanted = _ids(enterprises)
    allowed = GroupGrantPolicy.grantable(by, profile, Enterprise.objects.all())
    chosen = _refuse_unless_all(
        allowed, wanted, _("有 %(n)s 家企业不在您负责的范围内或不是该集团的下属企业，未作任何授权。")
    )
    already = set(profile.charge_enterprises.filter(pk__in=sorted(wanted)).values_list("pk", flat=True))
    new = [e for e in chosen if e.pk not in already]
    if new:
        profile.charge_enterprises.add(*new)
        _record(by=by, profile=profile, added=new)
    return new


@transaction.atomic
def group_revoke(*, by, profile: Profile, enterprises) -> list[Enterprise]:
    """Take back the group user's grants of `enterprises` (objects or ids); return those taken back.

    All or nothing, like `group_grant`: an enterprise outside `by`'s charge refuses the whole call."""
    if not GroupGrantPolicy.can(by, GroupGrantPolicy.REVOKE):
        raise PermissionDenied(_("只有工会干部和管理员可以管理集团用户的授权。"))
    profile = _locked_group_profile(profile)
    wanted = _ids(enterprises)
    allowed = GroupGrantPolicy.revocable(by, profile, Enterprise.objects.all())
    chosen = _refuse_unless_all(allowed, wanted, _("有 %(n)s 家企业不在您负责的范围内，未撤销任何授权。"))
    granted = set(profile.charge_enterprises.filter(pk__in=sorted(wanted)).values_list("pk", flat=True))
    gone = [e for e in chosen if e.pk in granted]
    if gone:
        profile.charge_enterprises.remove(*gone)
        _record(by=by, profile=profile, removed=gone)
    return gone


@transaction.atomic
def group_set(*, by, profile: Profile, enterprises) -> tuple[list[Enterprise], list[Enterprise]]:
    """Make the group user's grants that `by` may change equal to `enterprises`: grant those not yet granted, take
    back the granted ones `by` may revoke that are not among them (the others' grants stay). Returns (granted,
    taken back)."""
    if not GroupGrantPolicy.can(by, GroupGrantPolicy.GRANT):
        raise PermissionDenied(_("只有工会干部和管理员可以管理集团用户的授权。"))
    wanted = _ids(enterprises)
    profile = _locked_group_profile(profile)
    granted = profile.charge_enterprises.all()
    current = set(granted.values_list("pk", flat=True))
    revocable = set(GroupGrantPolicy.revocable(by, profile, granted).values_list("pk", flat=True))
    added = group_grant(by=by, profile=profile, enterprises=wanted - current) if wanted - current else []
    gone = revocable - wanted
    removed = group_revoke(by=by, profile=profile, enterprises=gone) if gone else []
    return added, removed


def group_users(*, head) -> QuerySet:
    """The group users of the group whose head enterprise is `head`, with what they are granted."""
    return (
        GroupGrantPolicy.group_profiles(Profile.objects.filter(enterprise=head))
        .select_related("user")
        .order_by("user__username")
    )


def grant_log(*, profiles, limit: int = 20) -> list[LogEntry]:
    """The latest entries of the admin's log on `profiles` (grants and takings back among them), newest first."""
    from django.contrib.contenttypes.models import ContentType

    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Profile), object_id__in=[str(p.pk) for p in profiles]
        )
        .select_related("user")
        .order_by("-action_time", "-pk")[:limit]
    )
