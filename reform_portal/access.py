"""Who may see and change what: the one place every page, endpoint, export and task asks.

Each policy has two faces (as in Wagtail's permission policies): `visible(user, qs)` narrows a
queryset to what the user may see, and `can(user, action, obj)` answers for one object. Lists
start from `visible()`, so a list never shows a row that the detail view would refuse.

Roles:
- administrators (superusers, or role 管理员) see and change everything;
- union officers see and change the enterprises in their charge: those in a region they are in
  charge of (a province covers its prefectures) and those named to them;
- SASAC staff see every enterprise of their province and change nothing of an enterprise's record;
- enterprise users see their own enterprise only.
"""

from django.db.models import Q, QuerySet

from enterprises.choices import Role

ADMIN = Role.ADMIN
OFFICER = Role.OFFICER
SASAC = Role.SASAC
ENTERPRISE = Role.ENTERPRISE


def profile_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: a user with no portal role
        return None


def role_of(user) -> str | None:
    if getattr(user, "is_superuser", False):
        return ADMIN
    profile = profile_of(user)
    return profile.role if profile else None


def is_admin(user) -> bool:
    return role_of(user) == ADMIN


def province_ids_of(user) -> set[int]:
    """Provinces a user works in (empty for administrators, who are not bound to one)."""
    profile = profile_of(user)
    if profile is None:
        return set()
    if profile.role == SASAC:
        return {profile.province_id} if profile.province_id else set()
    if profile.role == ENTERPRISE and profile.enterprise_id:
        return {profile.enterprise.region.parent_id}
    if profile.role == OFFICER:
        ids = set()
        for region in profile.charge_regions.all():
            ids.add(region.pk if region.parent_id is None else region.parent_id)
        ids.update(profile.charge_enterprises.values_list("region__parent_id", flat=True))
        return ids
    return set()


class EnterprisePolicy:
    """Enterprises, and everything that hangs off one (progress, evidence, indicator values)."""

    VIEW = "view"
    CHANGE = "change"  # the enterprise's register entry
    UPDATE_PROGRESS = "update_progress"
    ADD = "add"

    @staticmethod
    def scope_q(user) -> Q | None:
        """A Q over enterprises the user may see; None for all of them."""
        role = role_of(user)
        if role == ADMIN:
            return None
        profile = profile_of(user)
        if role == SASAC:
            return Q(region__parent_id=profile.province_id)
        if role == ENTERPRISE:
            return Q(pk=profile.enterprise_id)
        if role == OFFICER:
            region_ids = list(profile.charge_regions.values_list("pk", flat=True))
            return Q(region_id__in=region_ids) | Q(region__parent_id__in=region_ids) | Q(officers__user_id=user.pk)
        return Q(pk__in=[])

    @classmethod
    def visible(cls, user, qs: QuerySet, prefix: str = "") -> QuerySet:
        """Narrow `qs` (of enterprises, or of rows reaching one through `prefix`, e.g. "enterprise__")."""
        from enterprises.models import Enterprise

        q = cls.scope_q(user)
        if q is None:
            return qs
        # A subquery rather than joins: the join through named charges could repeat rows.
        return qs.filter(**{f"{prefix}pk__in": Enterprise.objects.filter(q).values("pk")})

    @classmethod
    def can(cls, user, action: str, enterprise=None) -> bool:
        role = role_of(user)
        if role is None:
            return False
        if role == ADMIN:
            return True
        if action == cls.ADD:
            return role == OFFICER
        if enterprise is None:
            return False
        from enterprises.models import Enterprise

        in_scope = cls.visible(user, Enterprise.objects.filter(pk=enterprise.pk)).exists()
        if not in_scope:
            return False
        if action == cls.VIEW:
            return True
        if action in (cls.CHANGE, cls.UPDATE_PROGRESS):
            return role == OFFICER
        return False


class RegionPolicy:
    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        role = role_of(user)
        if role == ADMIN:
            return qs
        provinces = province_ids_of(user)
        return qs.filter(Q(pk__in=provinces) | Q(parent_id__in=provinces))


class CataloguePolicy:
    """The policy catalogue is public to everyone logged in."""

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        return qs if role_of(user) is not None or getattr(user, "is_authenticated", False) else qs.none()
