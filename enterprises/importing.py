"""Import the enterprise register from Excel: every problem reported by its spreadsheet row, its column and what is
wrong, nothing saved unless every row is valid, and re-importing the same file updates instead of duplicating
(rows are matched on the credit code).

The county (所在县（市、区）) is given by its 6-digit code or its name; a name two counties share must be qualified
by the prefecture (in the 所在州（市） column, or written before it: 昆明市五华区). The prefecture follows from the
county. The parent company (上级集团) is given by its credit code: it must be registered already or come earlier in
the same file."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from reform_portal.access import EnterprisePolicy
from reform_portal.choices import ChangeSource
from reform_portal.uploads import CONTENT_TYPES, XLSX, check_upload
from reform_portal.workbooks import sheet_rows

from .choices import Industry, Ownership, SizeClass, SupervisionLevel, Supervisor
from .credit_code import normalise_credit_code
from .models import HEADCOUNT_FIELDS, Enterprise, Region
from .selectors import counties_visible, enterprise_by_credit_code, prefectures_visible, resolve_location
from .services import REGISTER_FIELDS, enterprise_create, enterprise_update

CHOICES = {
    "ownership": Ownership,
    "supervision_level": SupervisionLevel,
    "supervisor": Supervisor,
    "industry": Industry,
    "size_class": SizeClass,
}
# Other words people write for a choice.
ALIASES = {
    "ownership": {"国有控股": Ownership.STATE_CONTROLLED, "国有控股混合所有制": Ownership.STATE_CONTROLLED},
    "supervisor": {"国资": Supervisor.SASAC, "其他部门": Supervisor.OTHER, "其他": Supervisor.OTHER},
}
# Choices a row may leave empty, and what empty means.
EMPTY_CHOICE = {"supervision_level": SupervisionLevel.NONE, "supervisor": ""}
INTEGER_FIELDS = set(HEADCOUNT_FIELDS)
BOOLEAN_FIELDS = {"above_scale", "leading", "has_board", "union_founded", "is_pilot"}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}
MAX_ROWS = 5000
# Column headers that are not the field's name: the parent company is given by its credit code.
HEADER_OVERRIDES = {"parent": "上级集团（母公司）统一社会信用代码"}
# What may separate a prefecture from a county in a qualified name (昆明市 五华区, 昆明市/五华区).
_SEPARATORS = re.compile(r"[\s/／·\-—]+")


def headers() -> list[tuple[str, str]]:
    """(field, Chinese header) for every register field, in template order."""
    with translation.override("zh-hans"):
        return [
            (f, HEADER_OVERRIDES.get(f) or str(Enterprise._meta.get_field(f).verbose_name)) for f in REGISTER_FIELDS
        ]


def header_of(name: str) -> str:
    return dict(headers()).get(name, "")


def template_workbook(*, user) -> Workbook:
    """The downloadable template: the header row, a sheet explaining the allowed values and a sheet of the counties
    (with their codes) of the provinces the user works in."""
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append([h for _f, h in headers()])
    ws.freeze_panes = "A2"
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 16
    guide = wb.create_sheet("填写说明")
    guide.append(["列", "可填写的值"])
    guide.append(["统一社会信用代码", "18 位，按 GB 32100-2015 校验；已存在的代码将更新该企业，而不是新建"])
    guide.append(
        [
            HEADER_OVERRIDES["parent"],
            "集团所属子公司填写母公司的 18 位代码：母公司须已登记，或在本文件中排在子公司之前；不属于集团的留空",
        ]
    )
    prefectures = prefectures_visible(user=user).order_by("code")
    guide.append(
        [
            "所在州（市）",
            "填写了所在县（市、区）时可留空（由县确定）；只有不设县级区划的州（市）只填本列。"
            + "、".join(f"{r.name}（{r.code}）" for r in prefectures),
        ]
    )
    guide.append(
        [
            "所在县（市、区）",
            "县（市、区）名称或 6 位代码（见“县（市、区）”表）；名称重名时在“所在州（市）”列填写州（市），"
            "或写成“州（市）+ 县名”，如“昆明市五华区”",
        ]
    )
    with translation.override("zh-hans"):
        for name, choices in CHOICES.items():
            label = str(Enterprise._meta.get_field(name).verbose_name)
            guide.append([label, "、".join(str(c.label) for c in choices)])
    guide.append(["监管机构类别", "有国资监管层级的国有企业必填（国资委 / 其他部门）；其他企业留空"])
    guide.append(["人数各列", "非负整数；一线产业工人数 ≤ 职工总数，党员数 ≤ 一线产业工人数，高技能人才 ≤ 技能人才"])
    guide.append(["规模以上企业、龙头企业、设有董事会或监事会、已建立工会、试点企业", "是 / 否"])
    guide.append(["工会成立日期", "日期，如 2015-05-01"])
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 100
    counties = wb.create_sheet("县（市、区）")
    counties.append(["代码", "县（市、区）", "州（市）", "省"])
    for county in counties_visible(user=user).select_related("parent__parent").order_by("code"):
        counties.append([county.code, county.name, county.parent.name, county.parent.parent.name])
    for letter, width in zip("ABCD", (10, 20, 24, 10), strict=True):
        counties.column_dimensions[letter].width = width
    return wb


@dataclass(frozen=True)
class ImportProblem:
    """One problem: the spreadsheet row (0: the file as a whole), the column's header and letter ("" when the
    problem is not one cell's) and what is wrong."""

    row: int
    column: str
    message: str
    letter: str = ""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CellError(Exception):
    """What is wrong with one cell (`field`: the register field of its column)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(name: str, value) -> str:
    text = _text(value)
    if not text and name in EMPTY_CHOICE:
        return EMPTY_CHOICE[name]
    choices = CHOICES[name]
    if text in ALIASES.get(name, {}):
        return ALIASES[name][text]
    with translation.override("zh-hans"):
        for choice in choices:
            if text in (choice.value, str(choice.label)) or text.lower() == choice.value.lower():
                return choice.value
        label = str(Enterprise._meta.get_field(name).verbose_name)
        allowed = "、".join(str(c.label) for c in choices)
    raise CellError(
        name, _("%(label)s“%(value)s”无效，应为：%(allowed)s。") % {"label": label, "value": text, "allowed": allowed}
    )


def _integer(name: str, label: str, value) -> int:
    text = _text(value)
    if text == "":
        return 0
    try:
        number = int(text)
    except ValueError:
        raise CellError(name, _("%(label)s“%(value)s”不是整数。") % {"label": label, "value": text}) from None
    if number < 0:
        raise CellError(name, _("%(label)s不能为负数。") % {"label": label})
    return number


def _boolean(name: str, label: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(name, _("%(label)s应填“是”或“否”，而不是“%(value)s”。") % {"label": label, "value": _text(value)})


def _date(name: str, label: str, value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(_text(value).replace("/", "-"))
    except ValueError:
        raise CellError(
            name, _("%(label)s“%(value)s”不是日期（如 2015-05-01）。") % {"label": label, "value": value}
        ) from None


class Places:
    """The prefectures and counties of the provinces the importing user works in, found by code or by name."""

    def __init__(self, user):
        self.prefectures: dict[str, Region] = {}
        for region in prefectures_visible(user=user):
            self.prefectures[region.code] = region
            self.prefectures[region.name] = region
        self.counties: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for county in counties_visible(user=user).select_related("parent__parent").order_by("code"):
            self.counties[county.code] = county
            prefecture, province = county.parent, county.parent.parent
            for key in (county.name, prefecture.name + county.name, province.name + prefecture.name + county.name):
                self.by_name.setdefault(key, []).append(county)

    def prefecture(self, value) -> Region | None:
        text = _text(value)
        if not text:
            return None
        region = self.prefectures.get(text)
        if region is None:
            raise CellError(
                "region", _("所在州（市）“%(value)s”无效，请填写州（市）名称或 6 位行政区划代码。") % {"value": text}
            )
        return region

    def county(self, value, prefecture: Region | None) -> Region | None:
        text = _SEPARATORS.sub("", _text(value))
        if not text:
            return None
        if text.isdigit() and len(text) == 6:
            county = self.counties.get(text)
            if county is not None:
                return county
            if text in self.prefectures:
                raise CellError(
                    "county",
                    _("“%(code)s”是州（市）“%(name)s”的代码；本列请填写县（市、区）的名称或代码。")
                    % {"code": text, "name": self.prefectures[text].name},
                )
            raise CellError(
                "county",
                _("没有代码为“%(code)s”的县（市、区）（或它不在您工作的省份内）。") % {"code": text},
            )
        found = self.by_name.get(text, [])
        if len(found) > 1 and prefecture is not None:
            found = [c for c in found if c.parent_id == prefecture.pk]
        if len(found) == 1:
            return found[0]
        if not found:
            raise CellError(
                "county",
                _("所在县（市、区）“%(value)s”无效：请填写您工作的省份内县（市、区）的名称或 6 位行政区划代码。")
                % {"value": text},
            )
        raise CellError(
            "county",
            _(
                "县（市、区）名称“%(name)s”不唯一：%(places)s都有。请在“所在州（市）”列填写州（市），"
                "或在本列写明州（市）（如“%(example)s”），或填写 6 位代码（%(codes)s）。"
            )
            % {
                "name": text,
                "places": "、".join(c.parent.name for c in found),
                "example": found[0].parent.name + text,
                "codes": "、".join(c.code for c in found),
            },
        )


@dataclass
class Context:
    """What a row may refer to: places, and the rows of the file by credit code (for parents)."""

    by: object
    places: Places
    rows_by_code: dict[str, int] = field(default_factory=dict)  # first row of each credit code in the file
    failed_rows: set[int] = field(default_factory=set)

    def parent(self, value, *, number: int, own_code: str) -> Enterprise | None:
        code = normalise_credit_code(_text(value))
        if not code:
            return None
        if code == own_code:
            raise CellError("parent", _("上级集团不能是本企业。"))
        parent = enterprise_by_credit_code(user=self.by, code=code)
        if parent is not None:
            return parent
        in_file = self.rows_by_code.get(code)
        if in_file is not None and in_file > number:
            raise CellError(
                "parent",
                _("母公司 %(code)s 在第 %(row)d 行：尚未登记的母公司须排在子公司之前。")
                % {"code": code, "row": in_file},
            )
        if in_file is not None and in_file in self.failed_rows:
            raise CellError(
                "parent", _("母公司 %(code)s（第 %(row)d 行）有错误，未能导入。") % {"code": code, "row": in_file}
            )
        raise CellError(
            "parent",
            _(
                "没有找到统一社会信用代码为 %(code)s 的企业（或它不在您可查看的范围内）：母公司须已登记，"
                "或在本文件中排在子公司之前。"
            )
            % {"code": code},
        )


def _parse_row(cells: dict, context: Context, *, number: int, existing: Enterprise | None) -> tuple[dict, list]:
    """The row's values as model fields, and every cell that cannot be read ([CellError])."""
    labels = dict(headers())
    data, problems = {}, []
    for name, value in cells.items():
        label = labels[name]
        try:
            if name in CHOICES:
                data[name] = _choice(name, value)
            elif name in ("region", "county", "parent"):
                continue  # below: they depend on one another and on the file
            elif name in INTEGER_FIELDS:
                data[name] = _integer(name, label, value)
            elif name in BOOLEAN_FIELDS:
                data[name] = _boolean(name, label, value)
            elif name == "union_founded_on":
                data[name] = _date(name, label, value)
            elif name == "credit_code":
                data[name] = normalise_credit_code(_text(value))
            else:
                data[name] = _text(value)
        except CellError as exc:
            problems.append(exc)
    try:
        data["parent"] = context.parent(cells.get("parent"), number=number, own_code=data.get("credit_code", ""))
    except CellError as exc:
        problems.append(exc)
    try:
        region = context.places.prefecture(cells.get("region"))
    except CellError as exc:
        problems.append(exc)
        return data, problems
    try:
        county = context.places.county(cells.get("county"), region)
        data["region"] = resolve_location(county=county, region=region, current=existing)
        data["county"] = county
    except CellError as exc:
        problems.append(exc)
    except ValidationError as exc:
        problems.extend(CellError("county", m) for m in exc.messages)
    return data, problems


def _messages(exc: ValidationError, *, county_given: bool) -> list[tuple[str, str]]:
    """(field, message) for each message of a model validation error."""
    if not hasattr(exc, "error_dict"):
        return [("", m) for m in exc.messages]
    out = []
    for name, errors in exc.message_dict.items():
        if name == NON_FIELD_ERRORS:
            name = ""
        elif name == "region" and county_given:
            name = "county"  # the row gave the prefecture through its county
        out.extend((name, e) for e in errors)
    return out


def read_rows(upload) -> tuple[list[tuple[int, dict]], dict[str, int], list[ImportProblem]]:
    """(row number, {field: raw cell}) for every non-empty data row, the column index of each field, and problems
    with the sheet itself."""
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        return [], {}, [ImportProblem(0, "", m) for m in exc.messages]
    if checked.content_type != CONTENT_TYPES[XLSX]:
        return [], {}, [ImportProblem(0, "", _("请上传 Excel（.xlsx）文件。"))]
    try:
        rows = iter(sheet_rows(upload))  # bounded in time and memory whatever the file declares
    except ValidationError as exc:
        return [], {}, [ImportProblem(0, "", m) for m in exc.messages]
    header_row = next(rows, None) or ()
    by_header = {h: f for f, h in headers()}
    columns = {i: by_header[_text(h)] for i, h in enumerate(header_row) if _text(h) in by_header}
    missing = [h for f, h in headers() if f not in columns.values()]
    if missing:
        return (
            [],
            {},
            [ImportProblem(1, "", _("表头缺少以下列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)})],
        )
    out = []
    for number, values in enumerate(rows, start=2):
        if not any(_text(v) for v in values):
            continue
        if len(out) >= MAX_ROWS:
            return [], {}, [ImportProblem(number, "", _("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS})]
        out.append((number, {name: values[i] if i < len(values) else None for i, name in columns.items()}))
    if not out:
        return [], {}, [ImportProblem(2, "", _("文件中没有数据行。"))]
    return out, {name: i for i, name in columns.items()}, []


def enterprises_import(*, upload, by) -> ImportResult:
    """All or nothing: each row goes through the same services as the form, inside one transaction that
    is rolled back if any row fails."""
    result = ImportResult()
    rows, columns, problems = read_rows(upload)
    if problems:
        result.errors = problems
        return result

    def problem(number: int, name: str, message: str) -> ImportProblem:
        index = columns.get(name)
        letter = get_column_letter(index + 1) if index is not None else ""
        return ImportProblem(number, header_of(name) if name else "", message, letter)

    context = Context(by=by, places=Places(by))
    for number, cells in rows:
        context.rows_by_code.setdefault(normalise_credit_code(_text(cells.get("credit_code"))), number)
    with transaction.atomic():
        for number, cells in rows:
            code = normalise_credit_code(_text(cells.get("credit_code")))
            first = context.rows_by_code.get(code)
            if code and first != number:
                result.errors.append(
                    problem(number, "credit_code", _("统一社会信用代码与第 %(row)d 行重复。") % {"row": first})
                )
                context.failed_rows.add(number)
                continue
            existing = Enterprise.objects.select_related("region").filter(credit_code=code).first() if code else None
            data, cell_errors = _parse_row(cells, context, number=number, existing=existing)
            if cell_errors:
                result.errors.extend(problem(number, e.field, e.message) for e in cell_errors)
                context.failed_rows.add(number)
                continue
            try:
                with transaction.atomic():
                    if existing is None:
                        if not EnterprisePolicy.can(by, EnterprisePolicy.ADD):
                            raise ValidationError(_("您无权新增企业。"))
                        enterprise_create(data=data, by=by, source=ChangeSource.IMPORT)
                        result.created += 1
                    else:
                        if not EnterprisePolicy.can(by, EnterprisePolicy.CHANGE, existing):
                            raise ValidationError(
                                {"credit_code": [_("该信用代码的企业已登记，但不在您负责的范围内。")]}
                            )
                        updated = enterprise_update(enterprise=existing, data=data, by=by, source=ChangeSource.IMPORT)
                        if updated.changed_fields:
                            result.updated += 1
                        else:
                            result.unchanged += 1
            except ValidationError as exc:
                county_given = bool(_text(cells.get("county")))
                result.errors.extend(problem(number, f, m) for f, m in _messages(exc, county_given=county_given))
                context.failed_rows.add(number)
        if result.errors:
            transaction.set_rollback(True)
            result.created = result.updated = result.unchanged = 0
    return result
