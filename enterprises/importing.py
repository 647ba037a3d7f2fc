"""Import the enterprise register from Excel: every problem reported by its spreadsheet row, its column and what is
wrong, nothing saved unless every row is valid, and re-importing the same file updates instead of duplicating
(rows are matched on the credit code).

Each row of an enterprise already registered carries the version it was exported at (the 版本（勿改） column): a row
whose enterprise someone changed since is reported with what differs (theirs vs the file's) and nothing is saved,
so a re-imported old export never reverts someone else's later edit. Every row is checked first, without locks, with
a fixed number of queries for the whole file; then one short transaction writes them all in bulk
(`services.enterprises_write_many`). See docs/security/imports.md.

The county (所在县（市、区）) is given by its 6-digit code or its name; a name two counties share must be qualified
by the prefecture (in the 所在州（市） column, or written before it: 昆明市五华区). The prefecture follows from the
county. The parent company (上级集团) is given by its credit code: it must be registered already or come earlier in
the same file."""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from reform_portal.access import EnterprisePolicy
from reform_portal.choices import ChangeSource
from reform_portal.spreadsheets import sheet_row
from reform_portal.uploads import CONTENT_TYPES, XLSX, check_upload
from reform_portal.versioning import StaleEdit, check_version, parse_version
from reform_portal.workbooks import sheet_rows

from .choices import Industry, Ownership, SizeClass, SupervisionLevel, Supervisor
from .credit_code import normalise_credit_code
from .credit_code_uniqueness import NEUTRAL as CREDIT_CODE_NEUTRAL
from .models import HEADCOUNT_FIELDS, Enterprise, Region, group_problems
from .selectors import counties_visible, enterprises_visible, prefectures_visible, resolve_location
from .services import (
    REGISTER_FIELDS,
    ImportWrite,
    StaleRows,
    enterprises_write_many,
    register_differences,
)

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
MAX_ROWS = 10_000  # data rows (the header is not counted); docs/security/imports.md
# Column headers that are not the field's name: the parent company is given by its credit code.
HEADER_OVERRIDES = {"parent": "上级集团（母公司）统一社会信用代码"}
# The version each exported enterprise was at: after the register's columns, in the template and the export.
VERSION_HEADER = "版本（勿改）"
# What may separate a prefecture from a county in a qualified name (昆明市 五华区, 昆明市/五华区).
_SEPARATORS = re.compile(r"[\s/／·\-—]+")


def headers() -> list[tuple[str, str]]:
    """(field, Chinese header) for every register field, in template order."""
    return list(_headers())


@functools.cache
def _headers() -> tuple[tuple[str, str], ...]:
    # Read once: the headers are fixed Chinese text, and an import asks for them on every row.
    with translation.override("zh-hans"):
        return tuple(
            (f, HEADER_OVERRIDES.get(f) or str(Enterprise._meta.get_field(f).verbose_name)) for f in REGISTER_FIELDS
        )


def header_of(name: str) -> str:
    return dict(headers()).get(name, "")


def template_workbook(*, user) -> Workbook:
    """The downloadable template: the header row, a sheet explaining the allowed values and a sheet of the counties
    (with their codes) of the provinces the user works in."""
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append([h for _f, h in headers()] + [VERSION_HEADER])
    ws.freeze_panes = "A2"
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 16
    ws.column_dimensions[get_column_letter(len(headers()) + 1)].width = 10
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
    guide.append(
        [
            VERSION_HEADER,
            "导出时企业信息的版本号：新增企业留空；修改已登记的企业请在导出的文件上修改，勿改本列。"
            "导出后他人又修改过的企业不会被覆盖：导入时列出双方不同之处，整个文件不保存，请重新导出后再改",
        ]
    )
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 100
    counties = wb.create_sheet("县（市、区）")
    counties.append(["代码", "县（市、区）", "州（市）", "省"])
    for county in counties_visible(user=user).select_related("parent__parent").order_by("code"):
        counties.append(sheet_row(counties, [county.code, county.name, county.parent.name, county.parent.parent.name]))
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
    # A stale row: (field's label, the register's value now, the file's value) for each field that differs.
    differences: tuple[tuple[str, str, str], ...] = ()


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
    found = _choice_words(name).get(text, _choice_words(name).get(text.lower()))
    if found is not None:
        return found
    with translation.override("zh-hans"):
        label = str(Enterprise._meta.get_field(name).verbose_name)
        allowed = "、".join(str(c.label) for c in choices)
    raise CellError(
        name, _("%(label)s“%(value)s”无效，应为：%(allowed)s。") % {"label": label, "value": text, "allowed": allowed}
    )


@functools.cache
def _choice_words(name: str) -> dict[str, str]:
    """What a cell may hold for each choice of `name` (its value, any case, or its Chinese label) → the value."""
    words = {}
    with translation.override("zh-hans"):
        for choice in reversed(CHOICES[name]):  # the first choice wins a word two share, as before
            words |= {choice.value.lower(): choice.value, choice.value: choice.value, str(choice.label): choice.value}
    return words


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
        self._located: dict[tuple, Region | ValidationError] = {}
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

    def location(self, county: Region | None, region: Region | None, current: Enterprise | None) -> Region:
        """`selectors.resolve_location`, read once per prefecture for rows without a county (it asks the database
        whether the prefecture has counties)."""
        if county is not None:
            return resolve_location(county=county, region=region, current=current)
        legacy = current is not None and region is not None and not current.county_id and current.region_id == region.pk
        key = (getattr(region, "pk", None), legacy)
        if key not in self._located:
            try:
                self._located[key] = resolve_location(county=None, region=region, current=current if legacy else None)
            except ValidationError as exc:
                self._located[key] = exc
        found = self._located[key]
        if isinstance(found, ValidationError):
            raise found
        return found

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
    """What a row may refer to: places, the rows of the file by credit code (for parents), the registered
    enterprises the user sees among the file's parents, and the new enterprises of earlier rows (read in bulk)."""

    by: object
    places: Places
    rows_by_code: dict[str, int] = field(default_factory=dict)  # first row of each credit code in the file
    failed_rows: set[int] = field(default_factory=set)
    registered: dict[str, Enterprise] = field(default_factory=dict)  # visible enterprises by credit code
    new: dict[str, Enterprise] = field(default_factory=dict)  # enterprises of earlier rows to be created

    def parent(self, value, *, number: int, own_code: str) -> Enterprise | None:
        code = normalise_credit_code(_text(value))
        if not code:
            return None
        if code == own_code:
            raise CellError("parent", _("上级集团不能是本企业。"))
        parent = self.registered.get(code)
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
        if code in self.new:
            return self.new[code]
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
        if name == "version":
            continue  # not a register field: enterprises_import compares it
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
        data["region"] = context.places.location(county, region, existing)
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
    by_header = {h: f for f, h in headers()} | {VERSION_HEADER: "version"}
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


def enterprises_import(*, upload, by, progress=None) -> ImportResult:
    """All or nothing. First every row is checked, without a lock and with a fixed number of queries whatever the
    number of rows: its cells, the user's right to register or change it and to set what decides its scope
    (reform_portal.access), the model's checks, and, for an enterprise already registered, that nobody changed it
    since the file was exported (its version). Only a file without a single problem is written, in one short
    transaction (`services.enterprises_write_many`), which checks the versions again under the row locks.
    `progress(done, total)`: called after each row checked (a background job shows it; it must be cheap)."""
    result = ImportResult()
    rows, columns, problems = read_rows(upload)
    if problems:
        result.errors = problems
        return result

    def problem(number: int, name: str, message: str, differences=()) -> ImportProblem:
        index = columns.get(name)
        letter = get_column_letter(index + 1) if index is not None else ""
        column = VERSION_HEADER if name == "version" else header_of(name) if name else ""
        return ImportProblem(number, column, message, letter, tuple(differences))

    plan, checked = _check_rows(rows, by=by, result=result, problem=problem, progress=progress)
    if not result.errors:
        try:
            enterprises_write_many(plan=plan, by=by, source=ChangeSource.IMPORT)
        except StaleRows as exc:  # changed between the checks and the write
            for number, stale in exc.rows:
                result.errors.append(_stale_problem(problem, number, stale.current, checked[number], None))
        except IntegrityError:  # e.g. the same new credit code registered meanwhile by someone else
            result.errors.append(ImportProblem(0, "", _("导入时有人同时修改了相关企业，未保存任何数据，请重新导入。")))
    if result.errors:
        result.created = result.updated = result.unchanged = 0
    return result


def _check_rows(rows, *, by, result: ImportResult, problem, progress=None) -> tuple[ImportWrite, dict]:
    """Check every row (reads only, no lock): fill `result` (its problems, and the counts) and return what to write
    and each changed row's values (for a report of a row found stale under the lock)."""
    context = Context(by=by, places=Places(by))
    codes = {}
    for number, cells in rows:
        codes[number] = normalise_credit_code(_text(cells.get("credit_code")))
        context.rows_by_code.setdefault(codes[number], number)
    parent_codes = {normalise_credit_code(_text(cells.get("parent"))) for _n, cells in rows} - {""}
    context.registered = {
        e.credit_code: e for e in enterprises_visible(user=by).filter(credit_code__in=sorted(parent_codes))
    }
    # Every registered enterprise of the file, in scope or not (an enterprise out of scope is reported, not added).
    existing_by_code = {
        e.credit_code: e
        for e in Enterprise.objects.select_related("region", "county", "parent").filter(
            credit_code__in=sorted(set(codes.values()) - {""})
        )
    }
    plan, checked, links = ImportWrite(), {}, {}
    may_add = EnterprisePolicy.can(by, EnterprisePolicy.ADD)
    total = len(rows)
    for done, (number, cells) in enumerate(rows):
        if progress is not None:
            progress(done, total)
        code = codes[number]
        first = context.rows_by_code.get(code)
        if code and first != number:
            result.errors.append(
                problem(number, "credit_code", _("统一社会信用代码与第 %(row)d 行重复。") % {"row": first})
            )
            context.failed_rows.add(number)
            continue
        existing = existing_by_code.get(code)
        data, cell_errors = _parse_row(cells, context, number=number, existing=existing)
        errors = [(e.field, e.message) for e in cell_errors]
        version_text = _text(cells.get("version"))
        version = parse_version(version_text) if version_text else None
        if version_text and version is None:
            errors.append(("version", _("版本号应为导出时的整数，请勿修改本列。")))
        candidate = _candidate(existing, data) if not errors else None
        if not errors:
            errors = _row_problems(
                existing, data, candidate, by=by, may_add=may_add, county_given=bool(_text(cells.get("county")))
            )
        if not errors and existing is None and version is not None:
            errors.append(
                (
                    "version",
                    _(
                        "本行带有版本号，但没有统一社会信用代码为 %(code)s 的企业：导出后该代码被改动了，或企业已删除。"
                        "新增企业请将版本列留空。"
                    )
                    % {"code": code},
                )
            )
        if errors:
            result.errors.extend(problem(number, f, m) for f, m in errors)
            context.failed_rows.add(number)
            continue
        candidate._import_key = f"row{number}"  # its key in the group tree while it has no id (_check_groups)
        links[number] = (_key(candidate), data.get("parent"))
        if existing is None:
            context.new[code] = candidate
            plan.creates.append(candidate)
            result.created += 1
            continue
        if not _changes(existing, candidate):
            result.unchanged += 1
            continue
        checked[number] = data
        try:
            if version is None:  # no version: it cannot be told whether the file's values are older
                raise StaleEdit(existing, label=existing.name)
            check_version(existing, version, label=existing.name)
        except StaleEdit:
            result.errors.append(_stale_problem(problem, number, existing, data, version))
            continue
        plan.updates.append((number, candidate, existing.version))
        result.updated += 1
    if progress is not None:
        progress(total, total)
    _check_groups(links, result=result, problem=problem)
    return plan, checked


def _row_problems(existing, data: dict, candidate, *, by, may_add: bool, county_given: bool) -> list[tuple[str, str]]:
    """(field, message) for what the user may not do with this row, or what the model's checks refuse."""
    if existing is None and not may_add:
        return [("", _("您无权新增企业。"))]
    if existing is not None and not EnterprisePolicy.can(by, EnterprisePolicy.CHANGE, existing):
        if not EnterprisePolicy.can(by, EnterprisePolicy.VIEW, existing):  # never reveal an out-of-scope code
            return [("credit_code", _(CREDIT_CODE_NEUTRAL))]
        return [("credit_code", _("该信用代码的企业已登记，但不在您负责的范围内。"))]
    proposed = {f: data[f] for f in EnterprisePolicy.SCOPE_FIELDS if f in data}
    scope = EnterprisePolicy.scope_change_problems(by, existing, proposed)
    if scope:
        return [
            ("county" if name == "region" and county_given else name, message)
            for name, messages in scope.items()
            for message in messages
        ]
    parent, candidate.parent = candidate.parent, None  # the group's tree is checked for the whole file at once
    try:
        # The foreign keys were read from the database; uniqueness: the file's codes were looked up above.
        candidate.full_clean(exclude=["region", "county", "parent"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return _messages(exc, county_given=county_given)
    finally:
        candidate.parent = parent
    return []


def _changes(existing: Enterprise, candidate: Enterprise) -> list[str]:
    """The register fields the row changes (their stored values compared: cheap enough for thousands of rows)."""
    return [
        f
        for f in REGISTER_FIELDS
        if getattr(existing, Enterprise._meta.get_field(f).attname)
        != getattr(candidate, Enterprise._meta.get_field(f).attname)
    ]


def _candidate(existing: Enterprise | None, data: dict) -> Enterprise:
    """The enterprise as the row would leave it (a new, unsaved object; `existing` is left as it is)."""
    values = {f: data[f] for f in REGISTER_FIELDS if f in data}
    if existing is None:
        return Enterprise(**values)
    kept = {f: getattr(existing, f) for f in REGISTER_FIELDS if f not in values}
    return Enterprise(
        pk=existing.pk,
        version=existing.version,
        credit_code_exception=existing.credit_code_exception,
        created_at=existing.created_at,
        **kept,
        **values,
    )


def _stale_problem(problem, number: int, current: Enterprise | None, data: dict, version: int | None):
    """A row whose enterprise changed since the file was exported: what differs, theirs vs the file's."""
    if current is None:
        return problem(number, "credit_code", _("该企业在导出后已被删除，本行未导入。"))
    differences = [(str(d["label"]), d["current"], d["mine"]) for d in register_differences(current=current, data=data)]
    said = {"code": current.credit_code, "name": current.name, "now": current.version, "file": version}
    if version is None:
        message = _(
            "%(code)s（%(name)s）已登记，本行没有版本号，无法判断文件中的值是否早于他人的修改，未导入。"
            "请重新导出名录，在导出的文件上修改后再导入。"
        )
    else:
        message = _(
            "%(code)s（%(name)s）在导出后已被他人修改（文件为第 %(file)s 版，现为第 %(now)s 版），本行未导入，"
            "以免覆盖他人的修改。请重新导出名录，在新文件上重做本行的修改后再导入。"
        )
    return problem(number, "version", message % said, differences)


class _Node:
    """An enterprise in the group tree as the file would leave it, for `models.group_problems` (the one check):
    `parent_of` maps each one's key (its id, or "row<n>" for a new one) to its parent's key."""

    def __init__(self, key, parent_of: dict):
        self.pk, self._parent_of = key, parent_of

    @property
    def parent(self):
        key = self._parent_of.get(self.pk)
        return None if key is None else _Node(key, self._parent_of)


def _key(enterprise: Enterprise | None):
    if enterprise is None:
        return None
    return enterprise.pk if enterprise.pk is not None else enterprise._import_key


def _check_groups(links: dict, *, result: ImportResult, problem) -> None:
    """No enterprise may become its own ancestor, through the registered tree and the file's rows together.
    `links`: row number → (the row's key, its parent). One recursive query reads the registered ancestors of every
    parent named."""
    named = sorted({p.pk for _key_, p in links.values() if p is not None and p.pk is not None})
    if not named:
        return
    table = Enterprise._meta.db_table
    ancestors = RawSQL(
        f"WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM {table} WHERE id = ANY(%s)"
        f" UNION SELECT e.id, e.parent_id FROM {table} e JOIN up ON e.id = up.parent_id) SELECT id FROM up",
        [named],
    )
    parent_of = dict(Enterprise.objects.filter(pk__in=ancestors).values_list("pk", "parent_id"))
    parent_of |= {key: _key(parent) for key, parent in links.values()}
    for number, (key, parent) in links.items():
        if parent is None:
            continue
        for message in group_problems(_Node(key, parent_of)).get("parent", []):
            result.errors.append(problem(number, "parent", message))
