"""Who may see and do what: the one place every page, endpoint, export, template and task asks.

Roles:
- administrators (superusers, or role 管理员) see and change everything;
- union officers see and change the enterprises in their charge: those in a region they are in charge of and those
  named to them. A region in charge is a province (everything below it), a prefecture (its enterprises, with or
  without a county) or a county (县级总工会: exactly the enterprises whose `county` it is);
- SASAC staff see every enterprise of their province and change nothing of an enterprise's record;
  they open and close the province's reporting periods and ask for its figures now;
- enterprise users see their own enterprise only, and fill in its self-assessment;
- group users (集团用户, of a group's head office) see the group's head enterprise and the subsidiaries granted to
  them (`Profile.charge_enterprises`, below the head in the `parent` tree), and fill in the granted subsidiaries'
  self-assessments as those enterprises' own users do; they change no register record. Officers in charge of a
  subsidiary and administrators grant it (GroupGrantPolicy; enterprises.group_access writes and records it).

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

import functools
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from enterprises.choices import RegionLevel, Role

ADMIN = Role.ADMIN
OFFICER = Role.OFFICER
SASAC = Role.SASAC
ENTERPRISE = Role.ENTERPRISE
GROUP = Role.GROUP

_CACHE_ATTRIBUTE = "_portal_access"


@dataclass(frozen=True)
class Access:
    """What one user may reach, read once (see `access_for`)."""

    user_id: int | None = None
    role: str | None = None
    profile: object = None  # enterprises.models.Profile, with its enterprise and region loaded
    province_id: int | None = None  # SASAC staff: their province, whose prefectures' enterprises they see
    # Prefectures (and provinces) whose enterprises the user sees (None: every region), counties whose enterprises
    # the user sees (an officer in charge of a county), and enterprises seen whatever their region (an officer's
    # named ones, an enterprise user's own, a group user's head enterprise and granted subsidiaries).
    region_ids: frozenset[int] | None = frozenset()
    county_ids: frozenset[int] = frozenset()
    enterprise_ids: frozenset[int] = frozenset()
    # Group users: the subsidiaries granted to them that are still below their head enterprise.
    granted_ids: frozenset[int] = frozenset()
    province_ids: frozenset[int] = frozenset()  # provinces the user works in (empty for administrators)
    # Officers: the regions in their charge, as (id, level, province id).
    charge: frozenset[tuple[int, str, int]] = frozenset()
    # Officers: the counties in their charge, directly or through a prefecture in charge, as (id, province id)
    # (those of a province in charge are not listed: the whole province is).
    charge_counties: frozenset[tuple[int, int]] = frozenset()
    _memo: dict = field(default_factory=dict, repr=False, compare=False)  # what is read only when first needed

    def _charged(self, level: str) -> frozenset[int]:
        return frozenset(pk for pk, charged_level, _province in self.charge if charged_level == level)

    @property
    def charge_province_ids(self) -> frozenset[int]:
        return self._charged(RegionLevel.PROVINCE)

    @property
    def charge_prefecture_ids(self) -> frozenset[int]:
        return self._charged(RegionLevel.PREFECTURE)

    @property
    def charge_county_ids(self) -> frozenset[int]:
        return self._charged(RegionLevel.COUNTY)

    @property
    def has_role(self) -> bool:
        return self.role is not None

    @property
    def own_enterprise(self):
        """An enterprise user's enterprise (with its region), else None."""
        return self.profile.enterprise if self.role == ENTERPRISE and self.profile is not None else None

    @property
    def head_enterprise(self):
        """A group user's head enterprise (集团本部, with its region), else None."""
        return self.profile.enterprise if self.role == GROUP and self.profile is not None else None

    @property
    def fills_in_ids(self) -> frozenset[int]:
        """The enterprises whose self-assessment the user fills in: an enterprise user's own, a group user's
        granted subsidiaries."""
        if self.role == GROUP:
            return self.granted_ids
        own = self.own_enterprise_id
        return frozenset() if own is None else frozenset({own})

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
        if self.county_ids and enterprise.county_id in self.county_ids:
            return True
        return self.province_id is not None and enterprise.region_id in self._province_prefecture_ids()

    def region_charge_covers(self, region_id: int | None, county_id: int | None) -> bool:
        """Whether the place (prefecture `region_id`, county `county_id`) is in a region in the user's charge (a
        province, a prefecture or a county in charge; not an enterprise named to them). Administrators: always."""
        if self.region_ids is None:
            return True
        if self.role != OFFICER:
            return False
        return region_id in self.region_ids or (county_id is not None and county_id in self.county_ids)

    def enterprise_q(self, prefix: str = "") -> Q | None:
        """A Q over enterprises (or rows reaching one through `prefix`) in scope; None for all of them."""
        place = self.place_q(prefix)
        if place is None:  # administrators
            return None
        # Id lists, not joins through the named charges: no row is repeated and the plan stays an index scan.
        return place | Q(**{f"{prefix}pk__in": sorted(self.enterprise_ids)})

    def place_q(self, prefix: str = "") -> Q | None:
        """The part of the scope that follows where an enterprise is (its prefecture, county or province), without
        the enterprises named to the user (`enterprise_ids`): a Q over rows with `region` and `county` fields (an
        enterprise, or a count kept per place); None for every place."""
        if self.region_ids is None:  # administrators
            return None
        q = Q(**{f"{prefix}region_id__in": sorted(self.region_ids)})
        if self.county_ids:
            q |= Q(**{f"{prefix}county_id__in": sorted(self.county_ids)})
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


def _province_of(pk: int, parent_id: int | None, grandparent_id: int | None) -> int:
    """The province of a region: itself, its parent (a prefecture's) or its grandparent (a county's)."""
    return grandparent_id or parent_id or pk


def _load(user) -> Access:
    profile = _profile_of(user.pk)
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
    if role == GROUP and profile.enterprise_id:
        head = profile.enterprise
        # A grant counts while the subsidiary is below the head (one query, the tree walked in SQL).
        granted = list(
            profile.charge_enterprises.filter(pk__in=descendants_of(head.pk))
            .exclude(pk=head.pk)
            .values_list("pk", "region__parent_id")
        )
        granted_ids = frozenset(pk for pk, _province in granted)
        return Access(
            **base,
            enterprise_ids=granted_ids | {head.pk},
            granted_ids=granted_ids,
            province_ids=frozenset({head.region.parent_id or head.region_id} | {p for _pk, p in granted if p}),
        )
    if role == OFFICER:
        rows = _officer_reach(profile)
        charge = {(pk, level, _province_of(pk, parent, grand)) for kind, pk, level, parent, grand in rows if kind == 0}
        # The prefectures of the provinces in charge, and the counties of the prefectures in charge.
        below = {(pk, level, _province_of(pk, parent, grand)) for kind, pk, level, parent, grand in rows if kind == 1}
        named = [(pk, parent) for kind, pk, _level, parent, _grand in rows if kind == 2]
        counties = {(pk, province) for pk, level, province in charge | below if level == RegionLevel.COUNTY}
        return Access(
            **base,
            region_ids=frozenset(pk for pk, level, _p in charge | below if level != RegionLevel.COUNTY),
            county_ids=frozenset(pk for pk, level, _p in charge if level == RegionLevel.COUNTY),
            enterprise_ids=frozenset(pk for pk, _province in named),
            province_ids=frozenset({province for _pk, _level, province in charge} | {p for _pk, p in named if p}),
            charge=frozenset(charge),
            charge_counties=frozenset(counties),
        )
    return Access(**base)  # no role, or a profile missing what its role needs: nothing in scope


def _profile_of(user_id: int):
    """The user's Profile with its enterprise, the enterprise's region and the province loaded, as
    `select_related("enterprise__region", "province")` gives them, or None. One prepared statement: it runs on every
    request, and compiling the ORM's query (four tables, 69 columns) cost several times the statement itself."""
    from django.db import connections, router

    from enterprises.models import Profile

    alias = router.db_for_read(Profile)
    sql, parts = _profile_sql()
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, attnames in parts:
        values = row[start : start + len(attnames)]
        start += len(attnames)
        key = values[attnames.index(model._meta.pk.attname)]
        objects.append(None if key is None else model.from_db(alias, attnames, values))  # None: no such row
    profile, enterprise, region, province = objects
    fields = Profile._meta.get_field
    fields("enterprise").set_cached_value(profile, enterprise)
    fields("province").set_cached_value(profile, province)
    if enterprise is not None:
        enterprise._meta.get_field("region").set_cached_value(enterprise, region)
    return profile


@functools.cache
def _profile_sql() -> tuple[str, tuple]:
    """`_profile_of`'s statement and, per table, the model and its fields in the statement's order (built once per
    process from the models; none of their fields converts what the database returns)."""
    from django.db import connection

    from enterprises.models import Enterprise, Profile, Region

    quote = connection.ops.quote_name
    parts = ((Profile, "p"), (Enterprise, "e"), (Region, "er"), (Region, "pr"))
    for model, _alias in parts:
        assert not any(hasattr(f, "from_db_value") for f in model._meta.concrete_fields), model  # else convert
    columns = ", ".join(f"{a}.{quote(f.column)}" for m, a in parts for f in m._meta.concrete_fields)
    column = {name: quote(Profile._meta.get_field(name).column) for name in ("user", "enterprise", "province")}
    region = quote(Enterprise._meta.get_field("region").column)
    sql = (
        f"SELECT {columns} FROM {quote(Profile._meta.db_table)} p"
        f" LEFT JOIN {quote(Enterprise._meta.db_table)} e ON e.id = p.{column['enterprise']}"
        f" LEFT JOIN {quote(Region._meta.db_table)} er ON er.id = e.{region}"
        f" LEFT JOIN {quote(Region._meta.db_table)} pr ON pr.id = p.{column['province']}"
        f" WHERE p.{column['user']} = %s"
    )
    return sql, tuple((m, [f.attname for f in m._meta.concrete_fields]) for m, _a in parts)


def _officer_reach(profile) -> list[tuple]:
    """An officer's charge in one statement (it is read on every request): rows (kind, id, level, parent id,
    grandparent id) of kind 0 for the regions in charge, 1 for the regions right below one of them, and 2 for the
    enterprises named to them (id, parent id: their prefecture's province)."""
    from django.db import connection

    from enterprises.models import Enterprise, Profile, Region

    def m2m(name):
        field = Profile._meta.get_field(name)
        return field.m2m_db_table(), field.m2m_column_name(), field.m2m_reverse_name()

    region, enterprise = Region._meta.db_table, Enterprise._meta.db_table
    regions, regions_profile, regions_region = m2m("charge_regions")
    named, named_profile, named_enterprise = m2m("charge_enterprises")
    sql = f"""
        WITH charged AS (SELECT {regions_region} AS id FROM {regions} WHERE {regions_profile} = %s)
        SELECT 0, r.id, r.level, r.parent_id, p.parent_id
          FROM {region} r JOIN charged c ON c.id = r.id LEFT JOIN {region} p ON p.id = r.parent_id
        UNION ALL
        SELECT 1, r.id, r.level, r.parent_id, p.parent_id
          FROM {region} r JOIN charged c ON c.id = r.parent_id LEFT JOIN {region} p ON p.id = r.parent_id
        UNION ALL
        SELECT 2, e.id, NULL, er.parent_id, NULL
          FROM {named} n JOIN {enterprise} e ON e.id = n.{named_enterprise} JOIN {region} er ON er.id = e.region_id
         WHERE n.{named_profile} = %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [profile.pk, profile.pk])
        return cursor.fetchall()


def _fk_id(value):
    """A related object's id (or the value itself: an id, a choice's value, None)."""
    return getattr(value, "pk", value)


def _current(enterprise, name: str):
    """The enterprise's current value of a scope field, without loading a related row (its id)."""
    return getattr(enterprise, f"{name}_id") if name in ("region", "county", "parent") else getattr(enterprise, name)


def descendants_of(enterprise_id: int) -> RawSQL:
    """The ids of the enterprises below `enterprise_id` in the group tree (`parent`), at any depth, as a subquery
    for `pk__in` (one recursive query; a cycle, which Enterprise.clean refuses, ends the walk)."""
    from enterprises.models import Enterprise

    table = Enterprise._meta.db_table
    return RawSQL(
        f"WITH RECURSIVE below(id) AS (SELECT id FROM {table} WHERE parent_id = %s"
        f" UNION SELECT e.id FROM {table} e JOIN below ON e.parent_id = below.id) SELECT id FROM below",
        (enterprise_id,),
    )


# Enterprises ---------------------------------------------------------------------------------------------------


class EnterprisePolicy:
    """Enterprises, and everything that hangs off one (progress, evidence, indicator values)."""

    VIEW = "view"
    LIST = "list"  # browse and export the list of enterprises (not an enterprise's own users)
    CHANGE = "change"  # the enterprise's register entry
    UPDATE_PROGRESS = "update_progress"
    ADD = "add"
    EXCEPT_CREDIT_CODE = "except_credit_code"  # record an exception to the credit code's check character
    # Withdraw a progress record's evidence file (with a reason; it stays in the history): those who add such files,
    # the officers in charge and administrators. An enterprise's users add none and withdraw none: the files are the
    # officer's record of what was verified, and neither policy document lets an enterprise take back what its
    # union verified (its own self-assessment files it removes itself while its form is editable).
    WITHDRAW_EVIDENCE = "withdraw_evidence"

    _ROLES = {
        VIEW: (ADMIN, OFFICER, SASAC, ENTERPRISE, GROUP),
        LIST: (ADMIN, OFFICER, SASAC),
        CHANGE: (ADMIN, OFFICER),
        UPDATE_PROGRESS: (ADMIN, OFFICER),
        ADD: (ADMIN, OFFICER),
        EXCEPT_CREDIT_CODE: (ADMIN,),
        WITHDRAW_EVIDENCE: (ADMIN, OFFICER),
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

    # Fields no one may move outside their charge: where the enterprise is (which union is in charge of it, whose
    # figures count it) and what it is (which documents and measures apply to it, which group it belongs to).
    PLACE_FIELDS = ("region", "county")
    KIND_FIELDS = ("ownership", "supervision_level", "supervisor", "parent")
    SCOPE_FIELDS = PLACE_FIELDS + KIND_FIELDS

    @classmethod
    def scope_change_problems(cls, user, enterprise, proposed: dict) -> dict[str, list[str]]:
        """Why `user` may not give `enterprise` (None or unsaved: a new one) the scope fields in `proposed` (field →
        new value: a Region / Enterprise / None for `region`, `county`, `parent`, the choice's value otherwise), as
        {field: [message]}; empty when they may. The one rule for the page form, the API, the import and the admin:

        - administrators change anything;
        - an officer registers an enterprise only in a region in their charge, moves one only from a region in their
          charge to another, and changes what it is (ownership, supervision level and body, group) only for an
          enterprise in a region in their charge: an officer named to single enterprises keeps them up to date but
          moves none of them and changes none of these (that is for the union of the enterprise's region);
        - a new parent company must be an enterprise the user sees;
        - nobody else changes an enterprise's record at all (SASAC staff read their province, enterprises and
          groups their own).
        Reads no query once `access_for(user)` is loaded (counties are compared by id)."""
        from django.utils.translation import gettext as _

        access = access_for(user)
        if access.role == ADMIN:
            return {}
        new = enterprise is None or enterprise.pk is None
        changed = {
            name: value
            for name, value in proposed.items()
            if name in cls.SCOPE_FIELDS and (new or _fk_id(value) != _fk_id(_current(enterprise, name)))
        }
        if new:  # a new enterprise: only where it is matters (what it is, is the registering officer's to say)
            changed = {n: v for n, v in changed.items() if n in cls.PLACE_FIELDS or (n == "parent" and v)}
        if not changed:
            return {}
        if access.role != OFFICER:
            return {name: [_("您无权修改企业的这项信息。")] for name in changed}
        problems: dict[str, list[str]] = {}
        in_charge_now = not new and access.region_charge_covers(enterprise.region_id, enterprise.county_id)
        if changed.keys() & set(cls.PLACE_FIELDS):
            region = proposed.get("region", None if new else enterprise.region)
            county = proposed.get("county", None if new else enterprise.county)
            name = "county" if "county" in changed or county is not None else "region"
            if not new and not in_charge_now:
                problems[name] = [_("您不负责该企业所在的区域，不能更改其所在地（由所在区域的工会或管理员更改）。")]
            elif not access.region_charge_covers(getattr(county, "parent_id", None) or _fk_id(region), _fk_id(county)):
                where = county or region
                problems[name] = [
                    _("“%(name)s”不在您负责的范围内：企业只能登记在或迁入您负责的区域。")
                    % {"name": getattr(where, "name", where)}
                ]
        for name in cls.KIND_FIELDS:
            if name not in changed:
                continue
            if not new and not in_charge_now:
                problems[name] = [
                    _(
                        "所有制、国资监管、监管机构类别和所属集团决定企业适用的政策与统计口径，只有负责企业所在区域的"
                        "工会干部或管理员可以修改。"
                    )
                ]
            elif name == "parent" and changed[name] is not None and not access.sees_enterprise(changed[name]):
                problems[name] = [_("上级集团不在您可查看的范围内。")]
        return problems


# Regions and the catalogue -------------------------------------------------------------------------------------


class RegionPolicy:
    """Provinces, prefectures and counties: those of the provinces the user works in.

    Regions are reference data, not the enterprises' records: every user sees the whole of the provinces they work
    in, at every level, as the frame of what they see (an officer in charge of a county works in the county's
    province and sees its prefectures and counties as an officer of a prefecture does). Which enterprises and
    which figures they see is EnterprisePolicy's and RollupPolicy's business. Callers that list one level
    filter it themselves (forms: prefectures; a county field: counties)."""

    VIEW = "view"

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        provinces = sorted(access.province_ids)
        return qs.filter(Q(pk__in=provinces) | Q(parent_id__in=provinces) | Q(parent__parent_id__in=provinces))

    @staticmethod
    def can(user, action: str, region) -> bool:
        """A county's province is its parent's parent: load counties with `select_related("parent")`, or this
        reads the parent."""
        access = access_for(user)
        if action != RegionPolicy.VIEW or access.role is None:
            return False
        if access.role == ADMIN:
            return True
        if region.level == RegionLevel.COUNTY:
            province_id = region.parent.parent_id if region.parent_id else None
        else:
            province_id = region.parent_id or region.pk
        return province_id in access.province_ids


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
      returned), and so do the group users it is granted to (GROUP: a group's head office fills in for its
      subsidiaries);
    - officers in charge of the enterprise (and administrators) review: correct, comment, return, accept;
    - SASAC staff of the province read every submitted assessment and its trail, and change nothing;
    - officers in charge may look at a draft (to help, and to be told why it cannot be accepted yet); SASAC
      staff see only that one exists (the overview) until it is submitted.

    START and EDIT without an object answer whether the user fills in the form of an enterprise of their own: the
    entry pages (the index, `start`, the API's create) take the enterprise from the user (`own_enterprise`). A group
    user fills in for several enterprises and names the one (`can(user, START, enterprise)`; the group home starts
    a granted subsidiary's form); `fills_in()` lists them.
    """

    VIEW = "view"
    EDIT = "edit"  # the enterprise's answers and the submission
    REVIEW = "review"  # the officer's corrections, comments, return and acceptance
    START = "start"  # start the enterprise's form for a period (obj: the enterprise)
    OVERVIEW = "overview"  # the submissions of every enterprise in scope
    # Two levels of review (the period's `review_levels` == 2): the officer in charge at county or prefecture level
    # (or named to the enterprise) reviews a submitted form (REVIEW: corrections, comments, return to the
    # enterprise) and forwards it (FORWARD); the province union's officers in charge accept it (ACCEPT) or return it
    # to the first level (RETURN_TO_REVIEWER). Administrators may take either step. With one level, ACCEPT is REVIEW.
    FORWARD = "forward"
    ACCEPT = "accept"
    RETURN_TO_REVIEWER = "return_to_reviewer"
    # Values changed after an acceptance (reporting/assessments/changes_since.py): the officers in charge (and
    # administrators) confirm or question them (obj: the enterprise).
    CHECK_CHANGES = "check_changes"

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        qs = EnterprisePolicy.visible(user, qs, prefix="enterprise__")
        if access_for(user).role == SASAC:
            from reporting.assessments.choices import AssessmentStatus

            return qs.exclude(status=AssessmentStatus.DRAFT)
        return qs

    @staticmethod
    def fills_in(user, qs: QuerySet) -> QuerySet:
        """Narrow `qs` (of enterprises) to those whose self-assessment the user fills in."""
        return qs.filter(pk__in=sorted(access_for(user).fills_in_ids))

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action == AssessmentPolicy.OVERVIEW:
            return access.role in (ADMIN, OFFICER, SASAC)
        if action in (AssessmentPolicy.START, AssessmentPolicy.EDIT):
            if obj is None:
                return access.own_enterprise_id is not None
            return getattr(obj, "enterprise_id", obj.pk) in access.fills_in_ids
        if action in AssessmentPolicy._REVIEW_STEPS:
            return AssessmentPolicy._may_review(user, access, action, obj)
        if action == AssessmentPolicy.CHECK_CHANGES:
            return EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, obj)
        if action == AssessmentPolicy.VIEW:
            if obj is None:
                return access.has_role
            from reporting.assessments.choices import AssessmentStatus

            if access.role == SASAC and obj.status == AssessmentStatus.DRAFT:
                return False
            return access.sees_enterprise(obj.enterprise)
        return False

    _REVIEW_STEPS = (REVIEW, FORWARD, ACCEPT, RETURN_TO_REVIEWER)

    @staticmethod
    def _may_review(user, access, action: str, obj) -> bool:
        """The review's steps: who may take `action` on the assessment `obj` (None: ever, for some assessment)."""
        if obj is None:
            return EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS)
        enterprise = obj.enterprise
        if not EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS, enterprise):
            return False
        two_levels = obj.period.review_levels == 2
        if not two_levels:
            return action in (AssessmentPolicy.REVIEW, AssessmentPolicy.ACCEPT)
        if access.role == ADMIN:
            return True
        if action in (AssessmentPolicy.REVIEW, AssessmentPolicy.FORWARD):
            return AssessmentPolicy.first_level(access, enterprise)
        return enterprise.region.parent_id in access.charge_province_ids

    @staticmethod
    def first_level(access, enterprise) -> bool:
        """Whether the officer is in charge of `enterprise` below the province: its county's or its prefecture's
        union, or named to it (the first level of a two-level review)."""
        return (
            enterprise.pk in access.enterprise_ids
            or enterprise.region_id in access.charge_prefecture_ids
            or (enterprise.county_id is not None and enterprise.county_id in access.charge_county_ids)
        )

    @staticmethod
    def changes_visible(user, qs: QuerySet, prefix: str = "enterprise__") -> QuerySet:
        """Narrow `qs` (rows reaching an enterprise through `prefix`) to the values changed since an acceptance that
        the user checks: those of the enterprises in the charge of an officer (administrators: all); nobody else."""
        if not EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS):
            return qs.none()
        return EnterprisePolicy.visible(user, qs, prefix=prefix)

    @staticmethod
    def awaiting_review(user, qs: QuerySet, prefix: str = "enterprise__", *, named: bool = True) -> QuerySet:
        """Narrow `qs` (of assessments) to the forms waiting for the user's next review step (the work queue's
        待审核), as `can` decides it: with one level the submitted forms of the enterprises the user reviews (and any
        forwarded before the province went back to one level); with two levels the submitted ones where the user is
        the first level, the forwarded ones where the user is the province union; administrators both.

        `named=False`: by where the enterprises are alone (`Access.place_q`), as if none were named to the user; with
        `prefix=""` it then narrows the counts kept per place (AssessmentCount, whose region and county are the
        place's), to which the forms of the named enterprises are added from their rows (selectors.awaiting_counts)."""
        from reporting.assessments.choices import AssessmentStatus

        if not EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS):
            return qs.none()
        access = access_for(user)
        waiting = (AssessmentStatus.SUBMITTED, AssessmentStatus.FORWARDED)
        scope = access.enterprise_q(prefix) if named else access.place_q(prefix)
        qs = qs.filter(status__in=waiting)
        if scope is not None:
            qs = qs.filter(scope)
        one_level = Q(period__review_levels=1)
        if access.role == ADMIN:
            return qs
        first = Q(**{f"{prefix}region_id__in": sorted(access.charge_prefecture_ids)}) | Q(
            **{f"{prefix}county_id__in": sorted(access.charge_county_ids)}
        )
        if named:
            first |= Q(**{f"{prefix}pk__in": sorted(access.enterprise_ids)})
        province = Q(**{f"{prefix}region__parent_id__in": sorted(access.charge_province_ids)})
        two_levels = Q(period__review_levels=2) & (
            (Q(status=AssessmentStatus.SUBMITTED) & first) | (Q(status=AssessmentStatus.FORWARDED) & province)
        )
        return qs.filter(one_level | two_levels)


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

    @staticmethod
    def visible_escalations(user, qs: QuerySet) -> QuerySet:
        """The escalations of overdue enterprises (DeadlineReminder of kind escalation) are the union's and the
        regulator's business: officers, SASAC staff and administrators see those of the enterprises they see; an
        enterprise or group user sees none (its own reminders are its notices)."""
        if access_for(user).role in (ENTERPRISE, GROUP):
            return qs.none()
        return EnterprisePolicy.visible(user, qs, prefix="enterprise__")


# Each user's inbox and work queue (reform_portal/inbox/, reporting/work_queue.py; docs/inbox.md) ----------------


class NoticeInboxPolicy:
    """The notices of the inbox (reform_portal.inbox.models.Notice; not AssessmentNotice, which is NoticePolicy's):
    a notice is its recipient's alone, whatever the role — administrators included — so anyone else's is a 404.
    Every signed-in user has an inbox."""

    VIEW = "view"  # list one's notices, open one, mark them read

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        return qs.filter(recipient_id=user.pk)

    @staticmethod
    def can(user, action: str, notice=None) -> bool:
        if action != NoticeInboxPolicy.VIEW or not getattr(user, "is_authenticated", False):
            return False
        return notice is None or notice.recipient_id == user.pk


class WorkQueuePolicy:
    """Which parts of the home page's work queue (reporting/work_queue.py) a user has, by what they may do: the
    reviews of those who review self-assessments (officers in charge, administrators), the deadlines and returned
    forms of those who fill them in (enterprise and group users), and the prefectures falling behind for those who
    watch whole provinces (SASAC staff their province, officers in charge of a province theirs)."""

    @staticmethod
    def reviews(user) -> bool:
        return access_for(user).role in (ADMIN, OFFICER)

    @staticmethod
    def fills_in(user) -> frozenset[int]:
        return access_for(user).fills_in_ids

    @staticmethod
    def watched_provinces(user) -> frozenset[int]:
        access = access_for(user)
        if access.role == SASAC and access.province_id:
            return frozenset({access.province_id})
        if access.role == OFFICER:
            return access.charge_province_ids
        return frozenset()


# Pilot enterprises (试点) and their working funds (enterprises/pilots/) -------------------------------------------


class PilotPolicy:
    """Pilot enterprises (试点) and their working funds (Yunnan 四（三）): the union of the province or of a prefecture
    designates an enterprise a pilot and records the funds it grants and pays.

    - administrators designate any enterprise, for its province or its prefecture;
    - an officer in charge of a province designates the province's enterprises (for the province or the enterprise's
      prefecture); an officer in charge of a prefecture, its enterprises (for that prefecture); county officers and
      officers with only named enterprises designate none (they read the pilots of what they see);
    - a designation is changed, ended and funded by those who could designate it for its region (CHANGE): the
      province's officers change any designation of their province, a prefecture's only its own;
    - whoever sees the enterprise sees its designations and funds (SASAC staff their province, an enterprise its
      own); LIST (the list of pilots, its export): administrators, officers, SASAC staff. Out of scope is a 404."""

    VIEW = "view"
    LIST = "list"
    DESIGNATE = "designate"  # obj: the enterprise
    CHANGE = "change"  # obj: the designation (update, end, record funds)

    @staticmethod
    def visible(user, qs: QuerySet, prefix: str = "") -> QuerySet:
        """Narrow designations (or rows reaching one through `prefix`, e.g. "designation__")."""
        return EnterprisePolicy.visible(user, qs, prefix=f"{prefix}enterprise__")

    @staticmethod
    def designating_region_ids(user, enterprise) -> list[int]:
        """The regions (the enterprise's province, its prefecture) for which `user` may designate `enterprise`
        (its `region` loaded; no query)."""
        access = access_for(user)
        province_id = enterprise.region.parent_id
        if access.role == ADMIN or (access.role == OFFICER and province_id in access.charge_province_ids):
            return [province_id, enterprise.region_id]
        if access.role == OFFICER and enterprise.region_id in access.charge_prefecture_ids:
            return [enterprise.region_id]
        return []

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action == PilotPolicy.LIST:
            return access.role in (ADMIN, OFFICER, SASAC)
        if action == PilotPolicy.VIEW:
            return access.has_role if obj is None else access.sees_enterprise(obj.enterprise)
        if action == PilotPolicy.DESIGNATE:
            if obj is None:
                return access.role == ADMIN or bool(access.charge_province_ids or access.charge_prefecture_ids)
            return bool(PilotPolicy.designating_region_ids(user, obj))
        if action == PilotPolicy.CHANGE:
            if obj is None or access.role == ADMIN:
                return PilotPolicy.can(user, PilotPolicy.DESIGNATE)
            return obj.region_id in PilotPolicy.designating_region_ids(user, obj.enterprise)
        return False


# 产改联络员 / 指导员 and 直通车 visits (enterprises/liaisons/) -------------------------------------------------


class LiaisonPolicy:
    """产改联络员 / 指导员 assigned to enterprises, and the 产改直通车 visits logged to them (Yunnan 四（二）).

    - a liaison is a union officer marked 联络员 and/or 指导员 (`liaisons.LiaisonQualification`, one row per role);
      only such an officer whose charge covers the enterprise (a region in charge or the enterprise named to them:
      `officers_in_charge`) may be assigned to it in that role (`assignable_user_ids`);
    - ASSIGN / END: administrators, and officers whose charge regions cover the enterprise (a province, its
      prefecture or its county in charge; not an officer with only named enterprises);
    - assignments are seen by whoever sees the enterprise (`visible`): its users know who their liaison is;
    - visits: LOG (obj: the enterprise) administrators and officers who see the enterprise (an assigned liaison is
      one: they were in charge of it when assigned); VISITS (the list, its export, the dashboard's panel,
      `visible_visits`): administrators, officers and SASAC staff, each for the enterprises they see; an enterprise's
      own users do not read the union's visit notes; CHANGE_VISIT (obj: the visit) administrators, the officer who
      logged it and the officers whose charge regions cover the enterprise, while they see it;
    - MINE ("我联系的企业"): administrators and officers. Out of scope is a 404; an assignment never widens what
      anyone sees (EnterprisePolicy decides that alone)."""

    VIEW = "view"
    ASSIGN = "assign"  # obj: the enterprise
    END = "end"  # obj: the assignment
    MINE = "mine"
    VISITS = "visits"
    LOG = "log"  # obj: the enterprise
    CHANGE_VISIT = "change_visit"  # obj: the visit

    _VISIT_ROLES = (ADMIN, OFFICER, SASAC)

    @staticmethod
    def visible(user, qs: QuerySet, prefix: str = "") -> QuerySet:
        """Narrow assignments (or rows reaching one through `prefix`)."""
        return EnterprisePolicy.visible(user, qs, prefix=f"{prefix}enterprise__")

    @staticmethod
    def visible_visits(user, qs: QuerySet) -> QuerySet:
        if access_for(user).role not in LiaisonPolicy._VISIT_ROLES:
            return qs.none()
        return EnterprisePolicy.visible(user, qs, prefix="enterprise__")

    @staticmethod
    def _in_charge(access, enterprise) -> bool:
        return access.region_charge_covers(enterprise.region_id, enterprise.county_id)

    @staticmethod
    def assignable_user_ids(enterprise, role: str | None) -> set[int]:
        """The users who may be assigned to `enterprise` (its `region` loaded) as `role` (None: as either role):
        active officers in charge of it who are qualified for the role (three queries)."""
        from enterprises.liaisons.models import LiaisonQualification

        in_charge = {pk for _level, ids in officers_in_charge([enterprise]).get(enterprise.pk, []) for pk in ids}
        qualified = LiaisonQualification.objects.filter(user_id__in=sorted(in_charge))
        if role is not None:
            qualified = qualified.filter(role=role)
        return set(qualified.values_list("user_id", flat=True))

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action == LiaisonPolicy.VIEW:
            return access.has_role if obj is None else access.sees_enterprise(obj.enterprise)
        if action == LiaisonPolicy.MINE:
            return access.role in (ADMIN, OFFICER)
        if action == LiaisonPolicy.ASSIGN:
            if obj is None:
                return access.role == ADMIN or bool(access.charge)
            return access.sees_enterprise(obj) and LiaisonPolicy._in_charge(access, obj)
        if action == LiaisonPolicy.END:
            if obj is None:
                return LiaisonPolicy.can(user, LiaisonPolicy.ASSIGN)
            return LiaisonPolicy.can(user, LiaisonPolicy.ASSIGN, obj.enterprise)
        if action == LiaisonPolicy.VISITS:
            return access.role in LiaisonPolicy._VISIT_ROLES
        if action == LiaisonPolicy.LOG:
            if access.role not in (ADMIN, OFFICER):
                return False
            return obj is None or access.sees_enterprise(obj)
        if action == LiaisonPolicy.CHANGE_VISIT:
            if access.role not in (ADMIN, OFFICER):
                return False
            if obj is None:
                return True
            enterprise = obj.enterprise
            if not access.sees_enterprise(enterprise):
                return False
            return obj.recorded_by_id == access.user_id or LiaisonPolicy._in_charge(access, enterprise)
        return False


# Who is told when an enterprise is overdue (reporting/assessments/services/deadline_reminders.py) ----------------

ESCALATION_LEVELS = (RegionLevel.COUNTY, RegionLevel.PREFECTURE, RegionLevel.PROVINCE)  # nearest first
NAMED_LEVEL = "named"  # the officers an enterprise is named to, when no region's officer is in charge of it


def officers_in_charge(enterprises) -> dict[int, list[tuple[str, list[int]]]]:
    """Per enterprise (with `region` loaded), the active union officers in charge of it by union level, nearest
    first, as [(level, [user ids])]: its county's (县级总工会), its prefecture's, its province's; levels without an
    officer are left out, an officer appears at the nearest level only, and the officers it is named to join the
    first level (alone, as `NAMED_LEVEL`, when no region's officer is in charge). Stage k of an escalation goes to
    the k-th entry: the officers in charge, then each level above. Two queries whatever the number of enterprises."""
    from enterprises.models import Profile

    enterprises = list(enterprises)
    places = {
        e.pk: {
            RegionLevel.COUNTY: e.county_id,
            RegionLevel.PREFECTURE: e.region_id,
            RegionLevel.PROVINCE: e.region.parent_id,
        }
        for e in enterprises
    }
    region_ids = sorted({pk for place in places.values() for pk in place.values() if pk})
    officers = Profile.objects.filter(role=OFFICER, user__is_active=True)
    by_region: dict[int, set[int]] = {}
    for user_id, region_id in officers.filter(charge_regions__in=region_ids).values_list("user_id", "charge_regions"):
        by_region.setdefault(region_id, set()).add(user_id)
    named: dict[int, set[int]] = {}
    rows = officers.filter(charge_enterprises__in=list(places)).values_list("user_id", "charge_enterprises")
    for user_id, enterprise_id in rows:
        named.setdefault(enterprise_id, set()).add(user_id)
    result = {}
    for pk, place in places.items():
        first = named.get(pk, set())
        chain, told = [], set(first)
        for level in ESCALATION_LEVELS:
            users = (by_region.get(place[level], set()) if place[level] else set()) - told
            if not chain and users:
                users |= first
            if users:
                chain.append((level, sorted(users)))
                told |= users
        if not chain and first:
            chain.append((NAMED_LEVEL, sorted(first)))
        result[pk] = chain
    return result


# Group users' grants ------------------------------------------------------------------------------------------


class GroupGrantPolicy:
    """Which subsidiaries a group user (集团用户) fills in for: `Profile.charge_enterprises` of a group profile.

    - administrators grant any enterprise below the group user's head enterprise (the `parent` tree, any depth);
    - officers grant those below it that are in their charge (a region in charge or named to them), so a group's
      head office fills in for a subsidiary only with the agreement of the union in charge of it;
    - administrators revoke any grant, officers the grants of enterprises in their charge (whether or not the
      enterprise is still below the head: revoking never widens what anyone sees);
    - nobody else grants or revokes. A grant counts only while the subsidiary is below the head (`access_for`).

    MANAGE: may the user manage grants at all (enterprises.group_views, a group's page of grants). A group is in
    the user's scope when they see its head enterprise or, grantors, one of its subsidiaries (`reaches`).
    """

    MANAGE = "manage"
    GRANT = "grant"
    REVOKE = "revoke"

    _ROLES = (ADMIN, OFFICER)

    @staticmethod
    def group_profiles(qs: QuerySet) -> QuerySet:
        """Narrow `qs` (of profiles) to group users with a head enterprise."""
        return qs.filter(role=GROUP, enterprise__isnull=False)

    @staticmethod
    def is_group_profile(profile) -> bool:
        return profile is not None and profile.role == GROUP and profile.enterprise_id is not None

    @classmethod
    def _may(cls, user) -> bool:
        return access_for(user).role in cls._ROLES

    @classmethod
    def below_in_charge(cls, user, head_id: int, qs: QuerySet) -> QuerySet:
        """Narrow `qs` (of enterprises) to those below `head_id` that the user may grant (one subquery)."""
        if not cls._may(user):
            return qs.none()
        return EnterprisePolicy.visible(user, qs.filter(pk__in=descendants_of(head_id)).exclude(pk=head_id))

    @classmethod
    def grantable(cls, user, profile, qs: QuerySet) -> QuerySet:
        """Narrow `qs` (of enterprises) to those the user may grant to `profile`."""
        if not cls.is_group_profile(profile):
            return qs.none()
        return cls.below_in_charge(user, profile.enterprise_id, qs)

    @classmethod
    def revocable(cls, user, profile, qs: QuerySet) -> QuerySet:
        """Narrow `qs` (of enterprises) to those whose grant to `profile` the user may revoke."""
        if not cls._may(user) or not cls.is_group_profile(profile):
            return qs.none()
        return EnterprisePolicy.visible(user, qs)

    @classmethod
    def reaches(cls, user, head) -> bool:
        """Whether the group of `head` is in the user's scope: they see the head or (grantors) a subsidiary of it
        (one query when they do not see the head)."""
        if EnterprisePolicy.can(user, EnterprisePolicy.VIEW, head):
            return True
        from enterprises.models import Enterprise

        return cls._may(user) and cls.below_in_charge(user, head.pk, Enterprise.objects.all()).exists()

    @classmethod
    def can(cls, user, action: str, profile=None, enterprise=None) -> bool:
        """May `user` do `action` (MANAGE, GRANT, REVOKE) for the group profile `profile` and `enterprise`; without
        them, ever. GRANT with an enterprise reads the tree (one query)."""
        if action not in (cls.MANAGE, cls.GRANT, cls.REVOKE) or not cls._may(user):
            return False
        if profile is None:
            return True
        if not cls.is_group_profile(profile):
            return False
        if enterprise is None:
            return True
        if action == cls.REVOKE:
            return access_for(user).sees_enterprise(enterprise)
        from enterprises.models import Enterprise

        return cls.grantable(user, profile, Enterprise.objects.filter(pk=enterprise.pk)).exists()


# Rollups and the dashboard -------------------------------------------------------------------------------------


class RollupPolicy:
    """The province's figures (dashboard, drill-downs, exports, /api/rollups/): SASAC staff their province, officers
    the figures of their charge, administrators everything, enterprise and group users nothing. SASAC staff and
    administrators ask for today's figures now.

    An officer reads the figures of the regions in their charge and nothing coarser: a province in charge, the whole
    province; a prefecture, that prefecture's rows (`prefecture_ids`) and its counties' (`county_ids`); a county,
    only that county's rows (`RollupSnapshot.county`). Figures are aggregates: a county officer reads no prefecture
    row (it counts other counties' enterprises): `prefecture_ids` is empty for them, `county_ids` names their
    counties, and a dashboard that reads only prefecture rows shows them no figures, as to an officer with only
    named enterprises."""

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
        """Narrow snapshots (anything with `province` and `prefecture`, and `county` if it has one) to the user's
        figures."""
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        if access.role == SASAC:
            return qs.filter(province_id__in=sorted(access.province_ids))
        if access.role == OFFICER:
            q = Q(province_id__in=sorted(access.charge_province_ids)) | Q(
                prefecture_id__in=sorted(access.charge_prefecture_ids)
            )
            if access.charge_county_ids and _has_field(qs.model, "county"):
                q |= Q(county_id__in=sorted(access.charge_county_ids))
            return qs.filter(q)
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
        rows of the prefectures in their charge (the whole province if it is in their charge), and none for a county
        in charge (see `county_ids`); enterprises named to them reach the lagging table through EnterprisePolicy."""
        access = access_for(user)
        if access.role != OFFICER or province.pk in access.charge_province_ids:
            return None
        return frozenset(pk for pk, level, of in access.charge if level == RegionLevel.PREFECTURE and of == province.pk)

    @staticmethod
    def county_ids(user, province) -> frozenset[int] | None:
        """The counties of `province` whose rows the user sees (None: every county of it): an officer's counties
        in charge and the counties of their prefectures in charge (every county of a province in charge). Empty
        for a user who sees no figures."""
        access = access_for(user)
        if not RollupPolicy.can(user, RollupPolicy.VIEW):
            return frozenset()
        if access.role != OFFICER or province.pk in access.charge_province_ids:
            return None
        return frozenset(pk for pk, of in access.charge_counties if of == province.pk)


# The security audit log ----------------------------------------------------------------------------------------


class AuditPolicy:
    """The security audit log (reform_portal/audit/): administrators search and export it; nobody else sees it, and
    nobody changes it (the database refuses)."""

    VIEW = "view"
    EXPORT = "export"

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        return action in (AuditPolicy.VIEW, AuditPolicy.EXPORT) and access_for(user).role == ADMIN

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        return qs if AuditPolicy.can(user, AuditPolicy.VIEW) else qs.none()


# Background jobs --------------------------------------------------------------------------------------------------


class JobPolicy:
    """Background jobs (reform_portal/jobs/): a job is seen by its owner and by administrators, nobody else (404).
    Its file is handed out only while the owner still sees what it was made from: the owner may still read its
    source (the register, the dashboard, the audit log) and sees the same enterprises as when the job was asked
    for (`sight`, recorded then): an officer who
    lost a charge, or whose role changed, no longer gets the file (they export again)."""

    VIEW = "view"
    DOWNLOAD = "download"

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        return qs.filter(owner_id=user.pk) if user.is_authenticated else qs.none()

    @staticmethod
    def sight(user) -> str:
        """What `user` sees now, as a short key that changes with the role, a region or enterprise in charge."""
        access = access_for(user)
        parts = (
            access.role,
            access.province_id,
            sorted(access.region_ids) if access.region_ids is not None else "all",
            sorted(access.county_ids),
            sorted(access.enterprise_ids),
            sorted(access.granted_ids),
        )
        return repr(parts)

    @staticmethod
    def _may_still_read(owner, kind: str) -> bool:
        """The owner may still read what a job of `kind` was made from: the dashboard, the audit log, the register."""
        if kind == "dashboard_export":
            return RollupPolicy.can(owner, RollupPolicy.VIEW)
        if kind == "audit_export":
            return AuditPolicy.can(owner, AuditPolicy.EXPORT)
        return EnterprisePolicy.can(owner, EnterprisePolicy.LIST)

    @staticmethod
    def can(user, action: str, job=None) -> bool:
        access = access_for(user)
        if job is None:
            return action == JobPolicy.VIEW and user.is_authenticated
        if not (access.role == ADMIN or job.owner_id == user.pk):
            return False
        if action == JobPolicy.VIEW:
            return True
        if action == JobPolicy.DOWNLOAD:
            owner = job.owner
            return (
                owner.is_active
                and JobPolicy._may_still_read(owner, job.kind)
                and JobPolicy.sight(owner) == job.parameters.get("sight")
            )
        return False


# Group robots (reform_portal/channels/) --------------------------------------------------------------------------


class ChannelPolicy:
    """Group robots of 企业微信 and 钉钉 (Channel) and the messages posted to them (Delivery); docs/channels.md.

    - union officers and administrators keep robots of their own (an officer's own group: their escalations reach it);
    - a region's robot is managed by administrators and by the officers in charge of its province (the province's
      robot and its prefectures'); an officer of a prefecture or a county manages none (the province union does);
    - a robot is seen by whoever manages it (anyone else: 404); nobody else has robots (403);
    - deliveries: each user sees those they caused (a test message, later a supervision order) and those of the robots
      they manage; administrators all."""

    MANAGE = "manage"  # have robots at all (the page, the API's create); with a channel: change, delete, test it
    VIEW = "view"

    _ROLES = (ADMIN, OFFICER)

    @staticmethod
    def region_ids(user) -> frozenset[int] | None:
        """The regions (provinces, prefectures) whose robots the user manages; None: every region. No query."""
        access = access_for(user)
        if access.role == ADMIN:
            return None
        provinces = access.charge_province_ids if access.role == OFFICER else frozenset()
        if not provinces:
            return frozenset()
        charged = {pk for pk, _level, _province in access.charge}
        # region_ids holds the regions in charge and the prefectures below a province in charge
        below = {pk for pk in access.region_ids or () if pk not in charged}
        direct = {pk for pk, level, of in access.charge if level == RegionLevel.PREFECTURE and of in provinces}
        return frozenset(provinces | below | direct)

    @classmethod
    def _q(cls, user, prefix: str = "") -> Q | None:
        managed = cls.region_ids(user)
        if managed is None:
            return None
        q = Q(**{f"{prefix}owner_id": user.pk})
        return q | Q(**{f"{prefix}region_id__in": sorted(managed)}) if managed else q

    @classmethod
    def visible(cls, user, qs: QuerySet) -> QuerySet:
        """Narrow channels to those the user manages."""
        if access_for(user).role not in cls._ROLES:
            return qs.none()
        q = cls._q(user)
        return qs if q is None else qs.filter(q)

    @classmethod
    def visible_deliveries(cls, user, qs: QuerySet) -> QuerySet:
        """Narrow deliveries to those the user caused and those of the robots they manage."""
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        q = Q(caused_by_id=user.pk)
        if access.role in cls._ROLES:
            q |= cls._q(user, "channel__")
        return qs.filter(q)

    @classmethod
    def can(cls, user, action: str, channel=None) -> bool:
        access = access_for(user)
        if action not in (cls.MANAGE, cls.VIEW) or access.role not in cls._ROLES:
            return False
        if channel is None or access.role == ADMIN:
            return True
        return channel.owner_id == user.pk or channel.region_id in cls.region_ids(user)

    @classmethod
    def may_own_region(cls, user, region_id: int) -> bool:
        managed = cls.region_ids(user)
        return managed is None or region_id in managed

    @classmethod
    def region_choices(cls, user) -> list[tuple[int, str]]:
        """The provinces and prefectures whose robots the user manages, as (id, name) for a form (one query)."""
        from enterprises.models import Region

        managed = cls.region_ids(user)
        regions = Region.objects.filter(level__in=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE))
        if managed is not None:
            regions = regions.filter(pk__in=sorted(managed))
        return [(pk, name) for pk, name in regions.order_by("code").values_list("pk", "name")]

    @staticmethod
    def region_names(ids) -> dict[int, str]:
        """Region names by id, for a page listing robots of regions (one query)."""
        from enterprises.models import Region

        ids = sorted({pk for pk in ids if pk})
        return dict(Region.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


# Supervision orders (督办单, reporting/supervision/) -------------------------------------------------------------


class OrderPolicy:
    """Supervision orders (督办单).

    - ISSUE: SASAC staff to the enterprises of their province, officers to those in their charge (as EnterprisePolicy
      says they see them), administrators to any; the order's issuing body follows the issuer's role
      (`issuer_body`: 国资委 for SASAC staff, 工会 for officers and administrators);
    - VIEW and the list: the issuer's side (SASAC staff of the province, the officers in charge of the enterprise,
      administrators) and the enterprise's side (its users, the group users it is granted to): whoever sees the
      enterprise;
    - REPLY: the enterprise's side (its users, the group users it is granted to), while the order waits for a reply;
    - DECIDE (accept or return a reply): the issuer, the same body in scope (SASAC staff of the province for a
      国资委 order, the officers in charge of the enterprise for a 工会 order) and administrators.
    Out of scope is a 404 (load through `visible`), in scope but not allowed a 403."""

    VIEW = "view"
    LIST = "list"
    ISSUE = "issue"  # obj: the enterprise
    REPLY = "reply"  # obj: the order
    DECIDE = "decide"  # obj: the order
    EXPORT = "export"

    _ISSUERS = (ADMIN, OFFICER, SASAC)

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        """Narrow orders (whoever sees the enterprise sees its orders)."""
        if not access_for(user).has_role:
            return qs.none()
        return EnterprisePolicy.visible(user, qs, prefix="enterprise__")

    @staticmethod
    def issuer_body(user) -> str | None:
        """The body an order issued by `user` is issued by ("sasac" or "union"), None if they issue none."""
        role = access_for(user).role
        if role == SASAC:
            return "sasac"
        return "union" if role in (ADMIN, OFFICER) else None

    @staticmethod
    def issuable(user, qs: QuerySet) -> QuerySet:
        """Narrow enterprises to those `user` may issue an order to."""
        if access_for(user).role not in OrderPolicy._ISSUERS:
            return qs.none()
        return EnterprisePolicy.visible(user, qs)

    @staticmethod
    def decidable(user, qs: QuerySet) -> QuerySet:
        """Narrow orders to those whose replies `user` accepts or returns (the home page's 待核查的回复)."""
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        if access.role == SASAC:
            return EnterprisePolicy.visible(user, qs.filter(issuer_body="sasac"), prefix="enterprise__")
        if access.role == OFFICER:
            q = Q(issued_by_id=user.pk) | (Q(issuer_body="union") & (access.enterprise_q("enterprise__") or Q()))
            return qs.filter(q)
        return qs.none()

    @staticmethod
    def on_enterprise_side(user, order) -> bool:
        """`user` is of the order's enterprise: its own user, or a group user it is granted to (or the head's)."""
        access = access_for(user)
        return access.role in (ENTERPRISE, GROUP) and order.enterprise_id in access.enterprise_ids

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action in (OrderPolicy.LIST, OrderPolicy.VIEW):
            return access.has_role if obj is None else access.sees_enterprise(obj.enterprise)
        if action == OrderPolicy.EXPORT:
            return access.has_role
        if action == OrderPolicy.ISSUE:
            if access.role not in OrderPolicy._ISSUERS:
                return False
            return obj is None or access.sees_enterprise(obj)
        if action == OrderPolicy.REPLY:
            if obj is None:
                return access.role in (ENTERPRISE, GROUP)
            return OrderPolicy.on_enterprise_side(user, obj) and obj.status in ("open", "returned")
        if action == OrderPolicy.DECIDE:
            if obj is None:
                return access.role in OrderPolicy._ISSUERS
            if access.role == ADMIN or obj.issued_by_id == user.pk:
                return True
            if obj.issuer_body == "sasac":
                return access.role == SASAC and access.sees_enterprise(obj.enterprise)
            return access.role == OFFICER and access.sees_enterprise(obj.enterprise)
        return False

    @staticmethod
    def enterprise_side_users(enterprise_ids) -> dict[int, list[int]]:
        """Per enterprise, the active users of its side (its own users, the group users it is granted to), who are
        told of an order issued to it and of each decision (reporting/supervision/notifications.py). Two queries."""
        from enterprises.models import Profile

        ids = sorted(set(enterprise_ids))
        active = Profile.objects.filter(user__is_active=True)
        result: dict[int, set[int]] = {pk: set() for pk in ids}
        for user_id, enterprise_id in active.filter(role=ENTERPRISE, enterprise_id__in=ids).values_list(
            "user_id", "enterprise_id"
        ):
            result[enterprise_id].add(user_id)
        granted = active.filter(role=GROUP, charge_enterprises__in=ids).values_list("user_id", "charge_enterprises")
        for user_id, enterprise_id in granted:
            result[enterprise_id].add(user_id)
        return {pk: sorted(users) for pk, users in result.items()}


# Award shortlists (评优推荐, reporting/awards/) ----------------------------------------------------------------


class AwardPolicy:
    """Award rounds and their shortlists.

    - MANAGE (create a round, confirm or strike its candidates): administrators, SASAC staff of the round's province,
      officers in charge of the province;
    - VIEW / LIST: those, and officers in charge of a prefecture of the province, who read their prefectures' part
      (`prefecture_ids`); county officers, enterprise and group users: none (404)."""

    VIEW = "view"
    LIST = "list"
    MANAGE = "manage"

    @staticmethod
    def _province_ids(access) -> frozenset[int] | None:
        """Provinces whose rounds the user sees (None: every one)."""
        if access.role == ADMIN:
            return None
        if access.role == SASAC and access.province_id:
            return frozenset({access.province_id})
        if access.role == OFFICER:
            return frozenset(
                province
                for _pk, level, province in access.charge
                if level in (RegionLevel.PROVINCE, RegionLevel.PREFECTURE)
            )
        return frozenset()

    @staticmethod
    def _managed_province_ids(access) -> frozenset[int] | None:
        if access.role == ADMIN:
            return None
        if access.role == SASAC and access.province_id:
            return frozenset({access.province_id})
        if access.role == OFFICER:
            return access.charge_province_ids
        return frozenset()

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        provinces = AwardPolicy._province_ids(access_for(user))
        return qs if provinces is None else qs.filter(province_id__in=provinces)

    @staticmethod
    def managed_provinces(user, qs: QuerySet) -> QuerySet:
        """Narrow provinces (regions) to those whose rounds `user` creates."""
        provinces = AwardPolicy._managed_province_ids(access_for(user))
        return qs if provinces is None else qs.filter(pk__in=provinces)

    @staticmethod
    def prefecture_ids(user, award_round) -> frozenset[int] | None:
        """The prefectures of the round whose part `user` reads (None: the whole province)."""
        access = access_for(user)
        if AwardPolicy.can(user, AwardPolicy.MANAGE, award_round):
            return None
        return frozenset(
            pk
            for pk, level, province in access.charge
            if level == RegionLevel.PREFECTURE and province == award_round.province_id
        )

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action in (AwardPolicy.LIST, AwardPolicy.VIEW):
            provinces = AwardPolicy._province_ids(access)
            if provinces is None:
                return True
            return bool(provinces) if obj is None else obj.province_id in provinces
        if action == AwardPolicy.MANAGE:
            provinces = AwardPolicy._managed_province_ids(access)
            if provinces is None:
                return True
            return bool(provinces) if obj is None else obj.province_id in provinces
        return False


# 产改直通车: questions and the FAQ per measure (enterprises/consultations/, docs/consultations.md) ------------------

_QUESTION_AWAITING = ("open", "forwarded")  # consultations.choices.AWAITING_STATUSES
_QUESTION_ANSWERED = ("answered", "closed")


class QuestionPolicy:
    """Questions of the 产改直通车 (Yunnan 四（二）).

    - VIEW and the list: an enterprise user its enterprise's questions, a group user those of its head enterprise and
      granted subsidiaries, an officer those of the enterprises in their charge (any level: a higher union may step
      in) plus those whose current handlers they are (`handler_ids`, set by a forward up or an escalation) and those
      forwarded to them as 联络员 / 指导员 (`assignee`), SASAC staff those of their province (read only),
      administrators all;
    - ASK (obj: the enterprise): the users who fill in its self-assessment (its own users, the group users it is
      granted to);
    - ANSWER (while it waits for an answer): administrators, the officers who see it (its handlers, the officers in
      charge of the enterprise, the liaison it was forwarded to);
    - FORWARD (up a level, or to a liaison; while it waits): administrators and the officers who see it, except a
      liaison who sees it only because it was forwarded to them;
    - RESPOND (rate the answer, follow up, close): the enterprise's side, on an answered question;
    - PUBLISH (to the FAQ, from an answered question): as FORWARD.
    Out of scope is a 404 (load through `visible`), in scope but not allowed a 403."""

    VIEW = "view"
    LIST = "list"
    ASK = "ask"  # obj: the enterprise
    ANSWER = "answer"
    FORWARD = "forward"
    RESPOND = "respond"
    PUBLISH = "publish"

    @staticmethod
    def _q(access) -> Q | None:
        if access.role == ADMIN:
            return None
        if access.role in (ENTERPRISE, GROUP):
            return Q(enterprise_id__in=sorted(access.enterprise_ids))
        if access.role == SASAC:
            return access.enterprise_q("enterprise__")
        if access.role == OFFICER:
            mine = Q(handler_ids__contains=[access.user_id]) | Q(assignee_id=access.user_id)
            return access.enterprise_q("enterprise__") | mine
        return Q(pk__in=[])

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        q = QuestionPolicy._q(access_for(user))
        return qs if q is None else qs.filter(q)

    @staticmethod
    def on_enterprise_side(user, question) -> bool:
        access = access_for(user)
        return access.role in (ENTERPRISE, GROUP) and question.enterprise_id in access.enterprise_ids

    @staticmethod
    def _union_sees(access, question, *, as_liaison: bool) -> bool:
        """An officer (or administrator) who sees the question: in charge of its enterprise, a handler, or (when
        `as_liaison`) the liaison it was forwarded to."""
        if access.role == ADMIN:
            return True
        if access.role != OFFICER:
            return False
        if access.user_id in (question.handler_ids or []) or access.sees_enterprise(question.enterprise):
            return True
        return as_liaison and question.assignee_id == access.user_id

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action in (QuestionPolicy.LIST, QuestionPolicy.VIEW):
            if obj is None:
                return access.has_role
            if QuestionPolicy.on_enterprise_side(user, obj):
                return True
            if access.role == SASAC:
                return access.sees_enterprise(obj.enterprise)
            return QuestionPolicy._union_sees(access, obj, as_liaison=True)
        if action == QuestionPolicy.ASK:
            return bool(access.fills_in_ids) if obj is None else obj.pk in access.fills_in_ids
        if action in (QuestionPolicy.ANSWER, QuestionPolicy.FORWARD, QuestionPolicy.PUBLISH):
            if obj is None:
                return access.role in (ADMIN, OFFICER)
            waits = obj.status in _QUESTION_AWAITING
            if action == QuestionPolicy.ANSWER:
                return waits and QuestionPolicy._union_sees(access, obj, as_liaison=True)
            if action == QuestionPolicy.FORWARD:
                return waits and QuestionPolicy._union_sees(access, obj, as_liaison=False)
            return obj.status in _QUESTION_ANSWERED and QuestionPolicy._union_sees(access, obj, as_liaison=False)
        if action == QuestionPolicy.RESPOND:
            if obj is None:
                return access.role in (ENTERPRISE, GROUP)
            return QuestionPolicy.on_enterprise_side(user, obj) and obj.status in _QUESTION_ANSWERED
        return False


class FaqPolicy:
    """The FAQ (常见问题) of the 产改直通车, per measure: an entry of a measure of a province is read by the users of
    the enterprises that measure applies to (measures/applicability.py), by the officers and SASAC staff of that
    province and by administrators; MANAGE (publish, edit, withdraw): administrators and the officers in charge of a
    region of that province. Withdrawn entries are seen by those who manage them only."""

    VIEW = "view"
    LIST = "list"
    MANAGE = "manage"  # obj: a FaqEntry with its measure's document loaded

    @staticmethod
    def _charge_provinces(access) -> frozenset[int]:
        return frozenset(province for _pk, _level, province in access.charge)

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        access = access_for(user)
        if access.role == ADMIN:
            return qs
        published = qs.filter(status="published")
        if access.role == OFFICER:
            managed = Q(measure__document__province_id__in=sorted(FaqPolicy._charge_provinces(access)))
            return qs.filter(managed | Q(status="published", measure__document__province_id__in=access.province_ids))
        if access.role == SASAC:
            return published.filter(measure__document__province_id=access.province_id)
        if access.role in (ENTERPRISE, GROUP):
            from enterprises.models import Enterprise
            from measures.applicability import scopes_for

            own = access.own_enterprise  # loaded with the user (and its region); a group user's are read here
            enterprises = (
                [own]
                if own is not None
                else Enterprise.objects.filter(pk__in=sorted(access.enterprise_ids)).select_related("region")
            )
            q = Q(pk__in=[])
            for enterprise in enterprises:
                q |= scopes_for(enterprise, "measure__scope__")
            return published.filter(q)
        return qs.none()

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        if action in (FaqPolicy.LIST, FaqPolicy.VIEW):
            return access.has_role  # an entry itself: loaded through `visible`
        if action == FaqPolicy.MANAGE:
            if access.role == ADMIN:
                return True
            provinces = FaqPolicy._charge_provinces(access) if access.role == OFFICER else frozenset()
            return bool(provinces) if obj is None else obj.measure.document.province_id in provinces
        return False


class BulletinPolicy:
    """The official bulletin (通报) of a province or of one of its prefectures (reporting/bulletins).

    - MANAGE (create, edit the text blocks, build, issue): administrators; SASAC staff for their province's bulletins
      (the province's or a prefecture's); officers in charge of a province for its bulletins, officers in charge of a
      prefecture for that prefecture's;
    - VIEW / the list: those, and once issued (`issued_at` set: archived, read-only), SASAC staff and officers (any
      charge: province, prefecture, county) of the bulletin's province; enterprise and group users: none (404)."""

    VIEW = "view"
    LIST = "list"
    MANAGE = "manage"

    @staticmethod
    def _managed(access) -> tuple[frozenset[int], frozenset[int]] | None:
        """(provinces whose every bulletin the user manages, prefectures whose bulletins they manage); None: all."""
        if access.role == ADMIN:
            return None
        if access.role == SASAC and access.province_id:
            return frozenset({access.province_id}), frozenset()
        if access.role == OFFICER:
            return access.charge_province_ids, access.charge_prefecture_ids
        return frozenset(), frozenset()

    @staticmethod
    def _reader_province_ids(access) -> frozenset[int]:
        if access.role == SASAC and access.province_id:
            return frozenset({access.province_id})
        if access.role == OFFICER:
            return frozenset(province for _pk, _level, province in access.charge)
        return frozenset()

    @staticmethod
    def visible(user, qs: QuerySet) -> QuerySet:
        access = access_for(user)
        managed = BulletinPolicy._managed(access)
        if managed is None:
            return qs
        provinces, prefectures = managed
        readers = BulletinPolicy._reader_province_ids(access)
        q = Q(province_id__in=sorted(provinces)) | Q(prefecture_id__in=sorted(prefectures))
        q |= Q(issued_at__isnull=False, province_id__in=sorted(readers))
        return qs.filter(q)

    @staticmethod
    def managed_regions(user, qs: QuerySet) -> QuerySet:
        """Narrow regions (provinces and prefectures) to the scopes whose bulletins `user` may create."""
        managed = BulletinPolicy._managed(access_for(user))
        if managed is None:
            return qs
        provinces, prefectures = managed
        return qs.filter(
            Q(pk__in=sorted(provinces)) | Q(parent_id__in=sorted(provinces)) | Q(pk__in=sorted(prefectures))
        )

    @staticmethod
    def can(user, action: str, obj=None) -> bool:
        access = access_for(user)
        managed = BulletinPolicy._managed(access)
        if managed is None:
            return True
        provinces, prefectures = managed
        may_manage = (
            bool(provinces or prefectures)
            if obj is None
            else obj.province_id in provinces or (obj.prefecture_id is not None and obj.prefecture_id in prefectures)
        )
        if action == BulletinPolicy.MANAGE:
            return may_manage
        if action in (BulletinPolicy.LIST, BulletinPolicy.VIEW):
            readers = BulletinPolicy._reader_province_ids(access)
            if obj is None:
                return may_manage or bool(readers)
            return may_manage or (obj.issued_at is not None and obj.province_id in readers)
        return False


def scope_reader():
    """A user with an administrator's reach that is no one (unsaved: no row, no session, no login), for figures that
    are a scope's whoever computes them: a bulletin's (reporting/bulletins/figures.py), which a worker or
    `make_bulletin` builds after BulletinPolicy let its author manage that scope; the scope itself narrows them."""
    from django.contrib.auth import get_user_model

    return get_user_model()(username="scope-reader", is_superuser=True)


# The interface's menus and buttons read these (reform_portal.context_processors).


@dataclass(frozen=True)
class Menu:
    enterprises: bool
    dashboard: bool
    assessments: bool
    fills_in_assessment: bool
    audit: bool = False  # the security audit log
    api: bool = False  # the API's documentation (/api/docs/)
    channels: bool = False  # group robots (企业微信, 钉钉): one's own and the regions'
    pilots: bool = False  # the pilot enterprises (试点) and their funds
    supervision: bool = False  # supervision orders (督办单)
    awards: bool = False  # award shortlists (评优推荐)
    visits: bool = False  # 产改直通车 visits (直通车走访) and "我联系的企业"
    bulletins: bool = False  # the official bulletin (通报)
    consultations: bool = False  # 产改直通车: questions and the FAQ


# Who is offered the API in the menu: administrators, and officers, who keep many enterprises' progress and may
# script it. Enterprise and group users fill their forms in the pages; SASAC staff read figures, which the dashboard
# and its workbook give them. The API itself stays open to every role by its own rules; only the link is hidden.
API_MENU_ROLES = (ADMIN, OFFICER)


def menu_for(user) -> Menu:
    """Group users get what enterprise users get, for their granted subsidiaries: their home lists them, each with
    its enterprise page and its self-assessment (the self-assessment index, which takes the enterprise from the
    user, is not theirs)."""
    return Menu(
        enterprises=EnterprisePolicy.can(user, EnterprisePolicy.LIST),
        dashboard=RollupPolicy.can(user, RollupPolicy.VIEW),
        assessments=AssessmentPolicy.can(user, AssessmentPolicy.START)
        or AssessmentPolicy.can(user, AssessmentPolicy.OVERVIEW),
        fills_in_assessment=bool(access_for(user).fills_in_ids),
        audit=AuditPolicy.can(user, AuditPolicy.VIEW),
        api=access_for(user).role in API_MENU_ROLES,
        channels=ChannelPolicy.can(user, ChannelPolicy.MANAGE),
        pilots=PilotPolicy.can(user, PilotPolicy.LIST),
        supervision=OrderPolicy.can(user, OrderPolicy.LIST),
        awards=AwardPolicy.can(user, AwardPolicy.LIST),
        visits=LiaisonPolicy.can(user, LiaisonPolicy.VISITS),
        bulletins=BulletinPolicy.can(user, BulletinPolicy.LIST),
        consultations=QuestionPolicy.can(user, QuestionPolicy.LIST),
    )


# The login path reads this (reform_portal.accounts.policy).


def second_factor_required(user, required_roles) -> bool:
    """Whether `user` must log in with a second factor: its role is among `required_roles`
    (settings.TWO_FACTOR_REQUIRED_ROLES), where ADMIN also covers staff, who reach the admin site."""
    required = set(required_roles)
    return access_for(user).role in required or (ADMIN in required and user.is_staff)
