import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from reform_portal.history import audited, version_trigger
from reform_portal.models import TimeStampedModel

from .choices import STATE_OWNERSHIPS, Industry, Ownership, RegionLevel, Role, SizeClass, SupervisionLevel, Supervisor
from .credit_code import credit_code_problems, normalise_credit_code


class Region(TimeStampedModel):
    """A province, prefecture-level or county-level division, keyed by its GB/T 2260 code (杨凌示范区 has a portal
    code of its own: see docs/reference-data.md)."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=20, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    @property
    def province(self) -> "Region":
        if self.level == RegionLevel.PROVINCE:
            return self
        return self.parent.parent if self.level == RegionLevel.COUNTY else self.parent


# The enterprise's headcounts, in the order the register's form, import template and exports show them.
HEADCOUNT_FIELDS = (
    "employees",
    "frontline_workers",
    "union_members",
    "party_members",
    "skilled_workers",
    "highly_skilled_workers",
)


# The fields of the register a person edits, in the order forms, the template and the export show them; the
# database records every change of them in EnterpriseEvent.
REGISTER_FIELDS = (
    "name",
    "credit_code",
    "parent",
    "region",
    "county",
    "ownership",
    "supervision_level",
    "supervisor",
    "supervising_body",
    "industry",
    "size_class",
    "above_scale",
    "leading",
    "has_board",
    *HEADCOUNT_FIELDS,
    "union_founded",
    "union_founded_on",
    "is_pilot",
)
REGISTER_FOREIGN_KEYS = ("parent", "region", "county")


def register_columns(fields=REGISTER_FIELDS) -> tuple[str, ...]:
    """The database columns of register fields (a foreign key's is `<field>_id`)."""
    return tuple(f"{f}_id" if f in REGISTER_FOREIGN_KEYS else f for f in fields)


class EnterpriseQuerySet(models.QuerySet):
    def state_owned(self):
        return self.filter(ownership__in=STATE_OWNERSHIPS).exclude(supervision_level=SupervisionLevel.NONE)


@audited(*REGISTER_FIELDS, model_name="EnterpriseEvent", verbose_name=_("企业信息变更"))
class Enterprise(TimeStampedModel):
    """An enterprise in the register. The database records its registration and every change of a register
    field in `EnterpriseEvent` (`enterprise.events`) and raises `version` with each change (see
    reform_portal/history.py)."""

    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, help_text=_("18 位，按 GB 32100-2015 校验")
    )
    credit_code_exception = models.TextField(
        _("校验码例外原因"),
        blank=True,
        help_text=_("仅限 2016 年前发放、校验码不符的真实代码：由管理员填写核实依据后方可保存"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级集团（母公司）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
        help_text=_("集团所属子公司填写其母公司"),
    )
    # The prefecture. When the county is given, the database sets it to the county's prefecture (the county is
    # the one source); enterprises registered before counties were kept may have none.
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在州（市）"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": RegionLevel.PREFECTURE},
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("所在县（市、区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="county_enterprises",
        limit_choices_to={"level": RegionLevel.COUNTY},
    )
    ownership = models.CharField(_("所有制"), max_length=20, choices=Ownership.choices)
    supervision_level = models.CharField(
        _("国资监管层级"), max_length=20, choices=SupervisionLevel.choices, default=SupervisionLevel.NONE
    )
    supervisor = models.CharField(_("监管机构类别"), max_length=10, choices=Supervisor.choices, blank=True)
    supervising_body = models.CharField(_("监管机构"), max_length=100, blank=True)
    industry = models.CharField(_("行业门类"), max_length=1, choices=Industry.choices)
    size_class = models.CharField(_("企业规模"), max_length=10, choices=SizeClass.choices)
    above_scale = models.BooleanField(_("规模以上企业"), default=False, help_text=_("纳入规模以上统计的企业"))
    leading = models.BooleanField(_("龙头企业"), default=False)
    has_board = models.BooleanField(_("设有董事会或监事会"), default=False)
    employees = models.PositiveIntegerField(_("职工总数"), default=0)
    frontline_workers = models.PositiveIntegerField(_("一线产业工人数"), default=0)
    union_members = models.PositiveIntegerField(_("工会会员数"), default=0)
    party_members = models.PositiveIntegerField(_("产业工人中党员数"), default=0)
    skilled_workers = models.PositiveIntegerField(_("技能人才数"), default=0)
    highly_skilled_workers = models.PositiveIntegerField(_("高技能人才数"), default=0)
    union_founded = models.BooleanField(_("已建立工会"), default=False)
    union_founded_on = models.DateField(_("工会成立日期"), null=True, blank=True)
    is_pilot = models.BooleanField(_("试点企业"), default=False)
    # Raised by the database on every change of a register field; an edit based on an older version is refused.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        # The rollup looks up the enterprises registered inside the lagging grace period (measures/lagging.py).
        indexes = [
            models.Index(fields=["created_at"], name="enterprise_registered"),
            # The list's orders walk these and stop after the page (enterprises/filters.py, list_segments): by name
            # within each prefecture (the default order, prefecture by prefecture), and by name.
            models.Index(fields=["region", "name", "id"], name="enterprise_region_name"),
            models.Index(fields=["name", "id"], name="enterprise_name"),
            # Rows of other tables scoped by where their enterprise is (progress by the access rule's province, its
            # prefectures) look up each row's prefecture in the index alone: a heap page per row made the planner
            # hash the whole province instead for a deep API page (docs/pagination.md).
            models.Index(fields=["id"], include=["region"], name="enterprise_id_region"),
            # The list's search (`?q=`, name or credit code contains: `UPPER(col::text) LIKE UPPER('%…%')`) on
            # pg_trgm; created only where the server has pg_trgm (migration 0012, docs/performance/lists.md). Without
            # a pending list (fastupdate off): a bulk insert would otherwise leave the new rows unindexed until the
            # next vacuum, and the planner pricing that list prefers to scan the table.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="enterprise_name_trgm", fastupdate=False),
            GinIndex(OpClass(Upper("credit_code"), name="gin_trgm_ops"), name="enterprise_code_trgm", fastupdate=False),
        ]
        triggers = [
            version_trigger(name="enterprise_version", columns=register_columns()),
            # The county is the one source of the prefecture.
            pgtrigger.Trigger(
                name="enterprise_region_from_county",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=(
                    "IF NEW.county_id IS NOT NULL THEN"
                    f" NEW.region_id := (SELECT parent_id FROM {Region._meta.db_table} WHERE id = NEW.county_id);"
                    " END IF; RETURN NEW;"
                ),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frontline_workers__lte=models.F("employees")),
                name="enterprise_workers_within_employees",
            ),
            models.CheckConstraint(
                condition=models.Q(party_members__lte=models.F("frontline_workers")),
                name="enterprise_party_members_within_workers",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_state_owned(self) -> bool:
        return self.ownership in STATE_OWNERSHIPS and self.supervision_level != SupervisionLevel.NONE

    def save(self, *args, **kwargs):
        # The database sets the prefecture from the county; this keeps the object in step before it does.
        if self.county_id and self.county is not None and self.county.parent_id:
            self.region_id = self.county.parent_id
        super().save(*args, **kwargs)

    def clean(self):
        errors: dict[str, list] = {}
        self.credit_code = normalise_credit_code(self.credit_code or "")
        problems = credit_code_problems(self.credit_code, allow_bad_check_character=bool(self.credit_code_exception))
        if problems:
            errors["credit_code"] = problems
        errors.update(headcount_problems(self))
        if self.union_founded_on and not self.union_founded:
            errors.setdefault("union_founded", []).append(_("填写了工会成立日期，请同时勾选“已建立工会”。"))
        if self.supervision_level != SupervisionLevel.NONE and self.ownership not in STATE_OWNERSHIPS:
            errors.setdefault("supervision_level", []).append(
                _("只有国有独资或国有控股企业才有国资监管层级；国有参股企业不是国有企业。")
            )
        if self.supervisor and self.supervision_level == SupervisionLevel.NONE:
            errors.setdefault("supervisor", []).append(_("没有国资监管层级的企业不填监管机构类别。"))
        if self.supervision_level != SupervisionLevel.NONE and not self.supervisor:
            errors.setdefault("supervisor", []).append(_("请选择监管机构类别（国资委或其他部门）。"))
        if self.county_id and self.county.level != RegionLevel.COUNTY:
            errors.setdefault("county", []).append(_("请选择县级行政区划。"))
        errors.update(group_problems(self))
        if errors:
            raise ValidationError(errors)


def group_problems(enterprise) -> dict[str, list]:
    """A subsidiary's parent must be another enterprise, and no enterprise may be its own ancestor."""
    seen, parent = {enterprise.pk}, enterprise.parent
    while parent is not None:
        if parent.pk in seen:
            return {"parent": [_("上级集团不能是本企业或本企业的下属企业。")]}
        seen.add(parent.pk)
        parent = parent.parent
    return {}


def headcount_problems(enterprise) -> dict[str, list]:
    """Headcounts must nest: party members ≤ workers ≤ employees; skilled counts within employees."""
    problems: dict[str, list] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    for field in HEADCOUNT_FIELDS:
        value = getattr(enterprise, field)
        if value is not None and value < 0:
            add(field, _("人数不能为负数。"))
    e = enterprise
    if None in (e.employees, e.frontline_workers, e.union_members, e.party_members, e.skilled_workers):
        return problems
    if e.frontline_workers > e.employees:
        add("frontline_workers", _("一线产业工人数不能多于职工总数。"))
    if e.party_members > e.frontline_workers:
        add("party_members", _("产业工人中党员数不能多于一线产业工人数。"))
    if e.union_members > e.employees:
        add("union_members", _("工会会员数不能多于职工总数。"))
    if e.skilled_workers > e.employees:
        add("skilled_workers", _("技能人才数不能多于职工总数。"))
    if e.highly_skilled_workers is not None and e.highly_skilled_workers > e.skilled_workers:
        add("highly_skilled_workers", _("高技能人才数不能多于技能人才数。"))
    return problems


class Profile(TimeStampedModel):
    """Who a user is in the portal and what is in their charge."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    province = models.ForeignKey(
        Region,
        verbose_name=_("所属省份"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": RegionLevel.PROVINCE},
        help_text=_("国资委工作人员必填"),
    )
    charge_regions = models.ManyToManyField(
        Region,
        verbose_name=_("负责区域"),
        blank=True,
        related_name="officers",
        help_text=_("工会干部负责的省、州（市）或县（市、区）"),
    )
    charge_enterprises = models.ManyToManyField(
        Enterprise,
        verbose_name=_("负责企业"),
        blank=True,
        related_name="officers",
        help_text=_("工会干部点名负责的企业；集团用户获准代为填报的子公司"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="users",
        help_text=_("企业用户必填"),
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")

    def __str__(self):
        return f"{self.user.username} ({self.get_role_display()})"

    def clean(self):
        if self.role == Role.SASAC and not self.province_id:
            raise ValidationError({"province": _("国资委工作人员必须指定所属省份。")})
        if self.role in (Role.ENTERPRISE, Role.GROUP) and not self.enterprise_id:
            raise ValidationError({"enterprise": _("企业用户和集团用户必须指定所属企业（集团用户为集团本部）。")})


class ListedCount(models.Model):
    """How many enterprises of a place (prefecture `region`, county `county`) have at least one applicable measure in
    `status` (of `document`'s measures; every document when null), or, with `status` "" and a document, any
    applicable progress on that document: what the enterprise list counts for `?status=` and `?document=` alone
    (enterprises/list_counts.py). Written only by the database's triggers (reporting/list_counts.py); the count of a
    key is the sum of its rows."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("所在州（市）"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique index (document, status, region, county) serves
        related_name="+",
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("所在县（市、区）"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # a string reference, not an import: enterprises' models build on nothing of measures
    document = models.ForeignKey(
        "measures.PolicyDocument",
        verbose_name=_("政策文件"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(_("措施状态"), max_length=20, blank=True)
    enterprises = models.IntegerField(_("企业数"))

    class Meta:
        verbose_name = _("列表计数")
        verbose_name_plural = _("列表计数")
        # rows are only added (a statement's differences), so that writers never wait on a shared row: a key's count
        # is the sum of its rows, folded now and then (reporting.list_counts.fold)
        indexes = [models.Index(fields=["document", "status", "region", "county"], name="listed_count_key")]

    def __str__(self):
        return f"{self.region_id}/{self.county_id} {self.document_id} {self.status}: {self.enterprises}"
