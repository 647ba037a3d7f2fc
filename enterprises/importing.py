"""Import the enterprise register from Excel: every bad row reported by its spreadsheet row number,
nothing saved unless every row is valid, and re-importing the same file updates instead of duplicating
(rows are matched on the credit code)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from reform_portal.access import EnterprisePolicy, RegionPolicy
from reform_portal.choices import ChangeSource
from reform_portal.uploads import CONTENT_TYPES, XLSX, check_upload

from .choices import Industry, Ownership, RegionLevel, SizeClass, SupervisionLevel
from .models import HEADCOUNT_FIELDS, Enterprise, Region
from .services import REGISTER_FIELDS, enterprise_create, enterprise_update

CHOICES = {
    "ownership": Ownership,
    "supervision_level": SupervisionLevel,
    "industry": Industry,
    "size_class": SizeClass,
}
INTEGER_FIELDS = set(HEADCOUNT_FIELDS)
BOOLEAN_FIELDS = {"union_founded", "is_pilot"}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}
MAX_ROWS = 5000


def headers() -> list[tuple[str, str]]:
    """(field, Chinese header) for every register field, in template order."""
    with translation.override("zh-hans"):
        return [(f, str(Enterprise._meta.get_field(f).verbose_name)) for f in REGISTER_FIELDS]


def template_workbook(*, user) -> Workbook:
    """The downloadable template: the header row, and a sheet explaining the allowed values."""
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
    regions = RegionPolicy.visible(user, Region.objects.filter(level=RegionLevel.PREFECTURE)).order_by("code")
    guide.append(["所在州（市）", "、".join(f"{r.name}（{r.code}）" for r in regions)])
    with translation.override("zh-hans"):
        for name, choices in CHOICES.items():
            label = str(Enterprise._meta.get_field(name).verbose_name)
            guide.append([label, "、".join(str(c.label) for c in choices)])
    guide.append(["人数各列", "非负整数；一线产业工人数 ≤ 职工总数，党员数 ≤ 一线产业工人数，高技能人才 ≤ 技能人才"])
    guide.append(["已建立工会、试点企业", "是 / 否"])
    guide.append(["工会成立日期", "日期，如 2015-05-01"])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 100
    return wb


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowError(Exception):
    pass


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(name: str, value) -> str:
    text = _text(value)
    choices = CHOICES[name]
    with translation.override("zh-hans"):
        for choice in choices:
            if text in (choice.value, str(choice.label)) or text.upper() == choice.value:
                return choice.value
        label = str(Enterprise._meta.get_field(name).verbose_name)
        allowed = "、".join(str(c.label) for c in choices)
    raise RowError(
        _("%(label)s“%(value)s”无效，应为：%(allowed)s。") % {"label": label, "value": text, "allowed": allowed}
    )


def _region(value, regions: dict) -> Region:
    text = _text(value)
    region = regions.get(text)
    if region is None:
        raise RowError(_("所在州（市）“%(value)s”无效，请填写州（市）名称或 6 位行政区划代码。") % {"value": text})
    return region


def _integer(label: str, value) -> int:
    text = _text(value)
    if text == "":
        return 0
    try:
        number = int(text)
    except ValueError:
        raise RowError(_("%(label)s“%(value)s”不是整数。") % {"label": label, "value": text}) from None
    if number < 0:
        raise RowError(_("%(label)s不能为负数。") % {"label": label})
    return number


def _boolean(label: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise RowError(_("%(label)s应填“是”或“否”，而不是“%(value)s”。") % {"label": label, "value": _text(value)})


def _date(label: str, value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(_text(value).replace("/", "-"))
    except ValueError:
        raise RowError(
            _("%(label)s“%(value)s”不是日期（如 2015-05-01）。") % {"label": label, "value": value}
        ) from None


def _parse_row(cells: dict, regions: dict) -> dict:
    labels = dict(headers())
    data = {}
    for name, value in cells.items():
        label = labels[name]
        if name in CHOICES:
            data[name] = _choice(name, value) if _text(value) or name != "supervision_level" else SupervisionLevel.NONE
        elif name == "region":
            data[name] = _region(value, regions)
        elif name in INTEGER_FIELDS:
            data[name] = _integer(label, value)
        elif name in BOOLEAN_FIELDS:
            data[name] = _boolean(label, value)
        elif name == "union_founded_on":
            data[name] = _date(label, value)
        elif name == "credit_code":
            data[name] = _text(value).upper()
        else:
            data[name] = _text(value)
    return data


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    out = []
    for name, errors in exc.message_dict.items():
        try:
            label = str(Enterprise._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - NON_FIELD_ERRORS and the like
            label = ""
        out.extend(f"{label}：{e}" if label else e for e in errors)
    return out


def read_rows(upload) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """(row number, {field: raw cell}) for every non-empty data row, and problems with the sheet itself."""
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        return [], [(0, m) for m in exc.messages]
    if checked.content_type != CONTENT_TYPES[XLSX]:
        return [], [(0, _("请上传 Excel（.xlsx）文件。"))]
    upload.seek(0)
    try:
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        return [], [(0, _("无法读取该 Excel 文件，请用模板重新填写后上传。"))]
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    by_header = {h: f for f, h in headers()}
    columns = {i: by_header[_text(h)] for i, h in enumerate(header_row) if _text(h) in by_header}
    missing = [h for f, h in headers() if f not in columns.values()]
    if missing:
        return [], [(1, _("表头缺少以下列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)})]
    out = []
    for number, values in enumerate(rows, start=2):
        if not any(_text(v) for v in values):
            continue
        if len(out) >= MAX_ROWS:
            return [], [(number, _("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS})]
        out.append((number, {name: values[i] if i < len(values) else None for i, name in columns.items()}))
    if not out:
        return [], [(2, _("文件中没有数据行。"))]
    return out, []


def enterprises_import(*, upload, by) -> ImportResult:
    """All or nothing: each row goes through the same services as the form, inside one transaction that
    is rolled back if any row fails."""
    result = ImportResult()
    rows, problems = read_rows(upload)
    if problems:
        result.errors = problems
        return result
    regions = {}
    for region in RegionPolicy.visible(by, Region.objects.filter(level=RegionLevel.PREFECTURE)):
        regions[region.code] = region
        regions[region.name] = region
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, cells in rows:
            code = _text(cells.get("credit_code")).upper()
            if code and code in seen:
                result.errors.append((number, _("统一社会信用代码与第 %(row)d 行重复。") % {"row": seen[code]}))
                continue
            seen[code] = number
            try:
                data = _parse_row(cells, regions)
            except RowError as exc:
                result.errors.append((number, str(exc)))
                continue
            try:
                with transaction.atomic():
                    existing = Enterprise.objects.filter(credit_code=code).first()
                    if existing is None:
                        if not EnterprisePolicy.can(by, EnterprisePolicy.ADD):
                            raise ValidationError(_("您无权新增企业。"))
                        enterprise_create(data=data, by=by, source=ChangeSource.IMPORT)
                        result.created += 1
                    else:
                        if not EnterprisePolicy.can(by, EnterprisePolicy.CHANGE, existing):
                            raise ValidationError(_("该信用代码的企业已登记，但不在您负责的范围内。"))
                        updated = enterprise_update(enterprise=existing, data=data, by=by, source=ChangeSource.IMPORT)
                        if updated.changed_fields:
                            result.updated += 1
                        else:
                            result.unchanged += 1
            except ValidationError as exc:
                result.errors.extend((number, m) for m in _messages(exc))
        if result.errors:
            transaction.set_rollback(True)
            result.created = result.updated = result.unchanged = 0
    return result
