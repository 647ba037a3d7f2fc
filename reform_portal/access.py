"""Who may see and do what: the one place every page, endpoint, export, template and task asks.

Roles:
- administrators (superusers, or role 管理员) see and change everything;
- union officers see and change the enterprises in their charge: those in a region they are in
  charge of (a province covers its prefectures) and those named to them;
- SASAC staff see every enterprise of their province and change nothing of an enterprise's record;
  they open and close the province's reporting periods and ask for its figures now;
- enterprise users see their own enterprise only, and fill in its self-assessment.

What a user may reach is read once per request: `access_for(user)` loads the role, the profile, the
provinces, the regions and the named enterprises in a fixed handful of queries and keeps the result on
the user object, so any number of `can()` calls after it costs no query (an object's own fields decide).

Each policy has two faces (as in Wagtail's permission policies): `visible(user, qs)` narrows a queryset
to what the user may see, and `can(user, action, obj=None)` answers for one object, or, without one,
whether the user may do that kind of thing at all (to show a button, refuse a request before reading
its body). Lists start from `visible()`, so a list never shows a row the detail view would refuse.
Out of scope is a 404 (the row's existence does not leak), in scope but not allowed a 403: views load
through `visible()` first and ask `can()` second.

Nothing outside this module compares roles (tests/test_access_policy.py scans the sources for it).
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from enterprises.choices import Role

ADMIN = Role.ADMIN
OFFICER = Role.OFFICER
SASAC = Role.SASAC
ENTERPRISE = Role.ENTERPRISE

_CACHE_ATTRIBUTE = "_portal_access"


@dataclass(frozen=True)
class Access:
    """What one user may reach, read once (see `access_for`)."""

    user_id: int | None = None
    role: str | None = None
    profile: object = None  # enterprises.models.Profile, with its enterprise and region loaded
    province_id: int | None = None  # SASAC staff: their province, whose prefectures' enterprises they see
    # Regions whose enterprises the user sees (None: every region), and enterprises seen whatever their region
    # (an officer's named ones, an enterprise user's own).
    region_ids: frozenset[int] | None = frozenset()
    enterprise_ids: frozenset[int] = frozenset()
    province_ids: frozenset[int] = frozenset()  # provinces the user works in (empty for administrators)
    # Officers: the regions in their charge, as (id, parent id or None for a province).
    charge: frozenset[tuple[int, int | None]] = frozenset()
    _memo: dict = field(default_factory=dict, repr=False, compare=False)  # what is read only when first needed

    @property
    def charge_province_ids(self) -> frozenset[int]:
        return frozenset(pk for pk, parent in self.charge if parent is None)

    @property
    def charge_prefecture_ids(self) -> frozenset[int]:
        return frozenset(pk for pk, parent in self.charge if parent is not None)

    @property
    def has_role(self) -> bool:
        return self.role is not None

    @property
    def own_enterprise(self):
        """An enterprise user's enterprise (with its region), else None."""
        return self.profile.enterprise if self.role == ENTERPRISE and self.profile is not None else None

    @property
    def province(self):
        """SASAC staff's province (the Region), else None."""
        return self.profile.province if self.province_id is not None else None

    @property
    def own_enterprise_id(self) -> int | None:
        enterprise = self.own_enterprise
        return enterprise.pk if enterprise is not None else None

    @property
    def scope_key(self) -> str:
        """A short key naming what the user sees, for caches shared by users who see the same rows."""
        if self.role == ADMIN:
            return "all"
        if self.role == SASAC:
            return f"p{self.province_id}"
        return f"u{self.user_id}"

    def _province_prefecture_ids(self) -> frozenset[int]:
        """SASAC staff: the prefectures of their province (one query, the first time a single enterprise is asked
        about; lists filter in SQL and never need it)."""
        if "prefectures" not in self._memo:
            from enterprises.models import Region

            ids = Region.objects.filter(parent_id=self.province_id).values_list("pk", flat=True)
            self._memo["prefectures"] = frozenset(ids)
        return self._memo["prefectures"]

    def sees_enterprise(self, enterprise) -> bool:
        """Whether `enterprise` is in scope, from its own fields (no query after the first)."""
        if self.region_ids is None:  # administrators
            return True
        if enterprise.pk in self.enterprise_ids or enterprise.region_id in self.region_ids:
            return True
        return self.province_id is not None and enterprise.region_id in self._province_prefecture_ids()

    def enterprise_q(self, prefix: str = "") -> Q | None:
        """A Q over enterprises (or rows reaching one through `prefix`) in scope; None for all of them."""
        if self.region_ids is None:  # administrators
            return None
        # Id lists, not joins through the named charges: no row is repeated and the plan stays an index scan.
        q = Q(**{f"{prefix}region_id__in": sorted(self.region_ids)}) | Q(
            **{f"{prefix}pk__in": sorted(self.enterprise_ids)}
        )
        if self.province_id is not None:
            q |= Q(**{f"{prefix}region__parent_id": self.province_id})
        return q


NO_ACCESS = Access()


def access_for(user) -> Access:
    """The user's access, computed on first use and kept on the user object (one request's user, one task's)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_ACCESS
    access = getattr(user, _CACHE_ATTRIBUTE, None)
    if access is None or access.user_id != user.pk:
        access = _load(user)
        setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def _load(user) -> Access:
    from enterprises.models import Profile, Region

    profile = Profile.objects.select_related("enterprise__region", "province").filter(user_id=user.pk).first()
    role = ADMIN if user.is_superuser else (profile.role if profile else None)
    base = {"user_id": user.pk, "role": role, "profile": profile}
    if role == ADMIN:
        return Access(**base, region_ids=None)
    if role == SASAC and profile.province_id:
        return Access(**base, province_id=profile.province_id, province_ids=frozenset({profile.province_id}))
    if role == ENTERPRISE and profile.enterprise_id:
        enterprise = profile.enterprise
        return Access(
            **base,
            enterprise_ids=frozenset({enterprise.pk}),
            province_ids=frozenset({enterprise.region.parent_id or enterprise.region_id}),
        )
    if role == OFFICER:
        charge = list(profile.charge_regions.values_list("pk", "parent_id"))
        charge_ids = {pk for pk, _parent in charge}
        children = Region.objects.filter(parent_id__in=charge_ids).values_list("pk", flat=True) if charge_ids else []
        named = list(profile.charge_enterprises.values_list("pk", "region__parent_id"))
        return Access(
            **base,
            region_ids=frozenset(charge_ids | set(children)),
            enterprise_ids=frozenset(pk for pk, _province in named),
            province_ids=frozenset({parent or pk for pk, parent in charge} | {p for _pk, p in named if p}),
            charge=frozenset(charge),
        )
    return Access(**base)  # no role, or a profile missing what its role needs: nothing in scope


# Enterprises ---------------------------------------------------------------------------------------------------


class EnterprisePolicy:
    """Enterprises, and everything that hangs off one (progress, evidence, indicator values)."""

    VIEW = "view"
    LIST = "list"  # browse and export the list of enterprises (not an enterprise's own users)
    CHANGE = "change"  # the enterprise's register entry
    UPDATE_PROGRESS = "update_progress"
    ADD = "add"
    EXCEPT_CREDIT_CODE = "except_credit_code"  # record an exception to the credit code's check character

    _ROLES = {
        VIEW: (ADMIN, OFFICER, SASAC, ENTERPRISE),
        LIST: (ADMIN, OFFICER, SASAC),
        CHANGE: (ADMIN, OFFICER),
        UPDATE_PROGRESS: (ADMIN, OFFICER),
        ADD: (ADMIN, OFFICER),
        EXCEPT_CREDIT_CODE: (ADMIN,),
    }

    @classmethod
    def visible(cls, user, qs: QuerySet, prefix: str = "") -> QuerySet:
        """Narrow `qs` (of enterprises, or of rows reaching one through `prefix`, e.g. "enterprise__")."""
        q = access_for(user).enterprise_q(prefix)
        return qs if q is None else qs.filter(q)

    @classmethod
    def can(cls, user, action: str, enterprise=None) -> bool:
        """May `user` do `action` to `enterprise` (in scope and allowed), or, with no enterprise, ever do it."""
        access = access_for(user)
        if access.role not in cls._ROLES.get(action, ()):
            return False
        return enterprise is None or access.sees_enterprise(enterprise)


# Regions and the catalogue -------------------------------------------------------------------------------------


class RegionPolicy:
    """Provinces and prefectures: those of the provinces the user works in."""

    VIEW = "view"

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        provinces = sorted(access.province_ids)
        return qs.filter(Q(pk__in=provinces) | Q(parent_id__in=provinces))

    @staticmethod
    def can(user, action: str, region) -> bool:
        access = access_for(user)
        if action != RegionPolicy.VIEW or access.role is None:
            return False
        return access.role == ADMIN or (region.parent_id or region.pk) in access.province_ids


class CataloguePolicy:
    """The policy catalogue (documents, sections, measures, indicators) is open to everyone logged in."""

    VIEW = "view"

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        return qs if getattr(user, "is_authenticated", False) else qs.none()

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        return action == CataloguePolicy.VIEW and getattr(user, "is_authenticated", False)


# Self-assessments, reporting periods and reminders -------------------------------------------------------------


class AssessmentPolicy:
    """Self-assessments.

    - the enterprise's own users fill in and submit (the services allow it only while the form is a draft or
      returned);
    - officers in charge of the enterprise (and administrators) review: correct, comment, return, accept;
    - SASAC staff of the province read every submitted assessment and its trail, and change nothing;
    - officers in charge may look at a draft (to help, and to be told why it cannot be accepted yet); SASAC
      staff see only that one exists (the overview) until it is submitted.
    """

    VIEW = "view"
    EDIT = "edit"  # the enterprise's answers and the submission
    REVIEW = "review"  # the officer's corrections, comments, return and acceptance
    START = "start"  # start the enterprise's form for a period (obj: the enterprise)
    OVERVIEW = "overview"  # the submissions of every enterprise in scope

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        qs = EnterprisePolicy.visible(user, qs, prefix="enterprise__")
        if access_for(user).role == SASAC:
            from reporting.assessments.choices import AssessmentStatus

            return qs.exclude(status=AssessmentStatus.DRAFT)
        return qs

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action == AssessmentPolicy.OVERVIEW:
            return access.role in (ADMIN, OFFICER, SASAC)
        if action in (AssessmentPolicy.START, AssessmentPolicy.EDIT):
            if access.role != ENTERPRISE:
                return False
            enterprise_id = None if obj is None else getattr(obj, "enterprise_id", obj.pk)
            return obj is None or enterprise_id == access.own_enterprise_id
        if action == AssessmentPolicy.REVIEW:
            if obj is None:
                return EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS)
            return EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, obj.enterprise)
        if action == AssessmentPolicy.VIEW:
            if obj is None:
                return access.has_role
            from reporting.assessments.choices import AssessmentStatus

            if access.role == SASAC and obj.status == AssessmentStatus.DRAFT:
                return False
            return access.sees_enterprise(obj.enterprise)
        return False


class PeriodPolicy:
    """Reporting periods: everyone sees those of the provinces they work in; administrators manage every period,
    SASAC staff those of their own province."""

    VIEW = "view"
    MANAGE = "manage"  # open, close, reopen, move the deadline

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        return qs.filter(province_id__in=sorted(access.province_ids))

    @staticmethod
    def manageable_provinces(user, qs: QuerySet) -> QuerySet:
        """Narrow `qs` (of provinces) to those whose periods the user may open."""
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        return qs.filter(pk=access.province_id) if access.role == SASAC else qs.none()

    @staticmethod
    def can(user, action: str, province=None) -> bool:
        """`province`: a province, its id, or a period (its province); None: any province."""
        access = access_for(user)
        if action == PeriodPolicy.VIEW:
            return access.has_role
        if action != PeriodPolicy.MANAGE:
            return False
        if access.role == ADMIN:
            return True
        if access.role != SASAC:
            return False
        if province is None:
            return True
        province_id = getattr(province, "province_id", None) or getattr(province, "pk", province)
        return province_id == access.province_id


class NoticePolicy:
    """Reminders to fill in the self-assessment (AssessmentNotice): officers send them for the enterprises in their
    charge (administrators for any); whoever sees an enterprise sees its notices."""

    VIEW = "view"
    SEND = "send"

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        return EnterprisePolicy.visible(user, qs, prefix="enterprise__")

    @staticmethod
    def can(user, action: str, enterprise=None) -> bool:
        if action == NoticePolicy.SEND:
            return EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, enterprise)
        if action == NoticePolicy.VIEW:
            return EnterprisePolicy.can(user, EnterprisePolicy.VIEW, enterprise)
        return False


# Rollups and the dashboard -------------------------------------------------------------------------------------


class RollupPolicy:
    """The province's figures (dashboard, drill-downs, exports, /api/rollups/): SASAC staff their province, officers
    the prefectures in their charge (all of a province in their charge), administrators everything, enterprise users
    nothing. SASAC staff and administrators ask for today's figures now."""

    VIEW = "view"
    REFRESH = "refresh"

    @staticmethod
    def can(user, action: str, province=None) -> bool:
        access = access_for(user)
        if action == RollupPolicy.VIEW:
            allowed = access.role in (ADMIN, OFFICER, SASAC)
        elif action == RollupPolicy.REFRESH:
            allowed = access.role in (ADMIN, SASAC)
        else:
            return False
        if not allowed or province is None or access.role == ADMIN:
            return allowed
        return getattr(province, "pk", province) in access.province_ids

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        """Narrow snapshots (anything with `province` and `prefecture`) to the user's figures."""
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        if access.role == SASAC:
            return qs.filter(province_id__in=sorted(access.province_ids))
        if access.role == OFFICER:
            return qs.filter(
                Q(province_id__in=sorted(access.charge_province_ids))
                | Q(prefecture_id__in=sorted(access.charge_prefecture_ids))
            )
        return qs.none()

    @staticmethod
    def province_ids(user) -> frozenset[int] | None:
        """The provinces whose dashboard the user may open (None: any province)."""
        access = access_for(user)
        if access.role == ADMIN:
            return None
        return access.province_ids if RollupPolicy.can(user, RollupPolicy.VIEW) else frozenset()

    @staticmethod
    def prefecture_ids(user, province) -> frozenset[int] | None:
        """The prefectures of `province` whose rows the user sees (None: the whole province). An officer sees the
        rows of the prefectures in their charge (the whole province if it is in their charge); enterprises named to
        them reach the lagging table through EnterprisePolicy."""
        access = access_for(user)
        if access.role != OFFICER or province.pk in access.charge_province_ids:
            return None
        return frozenset(pk for pk, parent in access.charge if parent == province.pk)


# The interface's menus and buttons read these (reform_portal.context_processors).


@dataclass(frozen=True)
class Menu:
    enterprises: bool
    dashboard: bool
    assessments: bool
    fills_in_assessment: bool


def menu_for(user) -> Menu:
    return Menu(
        enterprises=EnterprisePolicy.can(user, EnterprisePolicy.LIST),
        dashboard=RollupPolicy.can(user, RollupPolicy.VIEW),
        assessments=access_for(user).has_role,
        fills_in_assessment=AssessmentPolicy.can(user, AssessmentPolicy.START),
    )
