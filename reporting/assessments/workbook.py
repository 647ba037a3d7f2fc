"""The self-assessment as a workbook to fill in without the portal, and that workbook read back (the round trip).

The download (`assessment_workbook`) is the form on one sheet: a row per measure (自评等级, 推进状态, 完成百分比,
主要工作) and a row per indicator the form asks (本年度数值, with its target "≥ 60%" beside it), each with its current,
pre-filled answer. Dropdowns (data validation) offer the ratings, the statuses and 是/否; the sheet is protected
with only the answer cells unlocked, and two hidden columns carry each row's key (which answer) and version, the
first row the form's key and version.

The upload is read with `reform_portal.workbooks.sheet_rows` (bounded time and memory, whatever the file declares)
into `WorkbookRow`s; `services.workbook_apply` judges and saves them with the form's own rules, all or nothing. The
upload runs as a background job (`workbook_import`, called by `reform_portal.jobs.work.assessment_workbook_run`): its
outcome (`WorkbookOutcome`) is the job's summary, shown on the job's page and on the form's page after it
(`workbook_job_outcome`).
The cells are written with `reform_portal.spreadsheets.sheet_row`: a text a spreadsheet would read as a formula is a
text cell, and is read back as that text."""

import dataclasses
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from measures.choices import IndicatorKind, Status
from measures.derived import derived_value
from measures.indicator_values import sheet_format, sheet_value, value_display
from measures.progress_workbook import sheet_name
from reform_portal.jobs.models import Job
from reform_portal.spreadsheets import sheet_row
from reform_portal.workbooks import cell_int, choice_from_label, uploaded_xlsx_rows

from .choices import PrefillSource, SelfRating
from .models import Assessment
from .selectors import assessments_visible
from .services.errors import AssessmentError
from .services.submission import assessment_problems
from .services.values import DERIVED, NOT_APPLICABLE, OPTIONAL, answer_role, applicable_ids
from .services.workbook import ANSWER, ITEM, AnswerRow, CellProblem, WorkbookRefused, workbook_apply

# Columns: (letter, field). The answer's fields are those the services name in their errors.
KIND, CODE, NAME, RATING, STATUS, PERCENT, WHAT_DONE, VALUE, TARGET, UNIT, NOTE, KEY, VERSION = "ABCDEFGHIJKLM"
ITEM_FIELDS = {"self_rating": RATING, "status": STATUS, "percent": PERCENT, "what_done": WHAT_DONE}
ANSWER_FIELDS = {"value": VALUE}
HEADER_ROW = 3  # the title, a line of help, then the header; answers from row 4
FORM_KEY = "assessment:{pk}"
ITEM_KEY, ANSWER_KEY = ITEM, ANSWER
MAX_DATA_ROWS = 500  # a form has a few dozen answers; more is not this workbook


def _headers() -> dict[str, str]:
    return {
        KIND: _("类别"),
        CODE: _("编号"),
        NAME: _("名称"),
        RATING: _("自评等级"),
        STATUS: _("推进状态"),
        PERCENT: _("完成百分比"),
        WHAT_DONE: _("主要工作"),
        VALUE: _("本年度数值"),
        TARGET: _("目标"),
        UNIT: _("单位"),
        NOTE: _("说明"),
        KEY: _("键（勿改）"),
        VERSION: _("版本（勿改）"),
    }


def prefill_labels(prefilled: dict, fields) -> list[str]:
    """Where an answer's pre-filled fields came from (取自当前进度, 沿用上年（2025年）…), once per source."""
    labels = []
    for name in fields:
        source = prefilled.get(name)
        if source in PrefillSource.values:
            label = str(PrefillSource(source).label)
            if prefilled.get("year"):
                label += _("（%(year)s年）") % {"year": prefilled["year"]}
            if label not in labels:
                labels.append(label)
    return labels


def header_of(letter: str) -> str:
    return _headers()[letter]


def _index(letter: str) -> int:
    return ord(letter) - ord("A")


def _list(values) -> str:
    return '"' + ",".join(str(v) for v in values) + '"'


def _validation(ws, kind: str, cells: list[str], *, prompt: str, error: str, **kwargs) -> None:
    if not cells:
        return
    dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, showInputMessage=True, **kwargs)
    dv.error, dv.errorTitle, dv.prompt = error, _("输入有误"), prompt
    ws.add_data_validation(dv)
    for ref in cells:
        dv.add(ref)


def assessment_workbook(assessment) -> bytes:
    """The form as a pre-filled workbook to fill in and upload (module docstring)."""
    enterprise, period = assessment.enterprise, assessment.period
    wb = Workbook()
    ws = wb.active
    ws.title = _("自评表")
    heads = _headers()
    width = len(heads)
    title = _("%(period)s自评表 · %(name)s（%(code)s）") % {
        "period": period.label,
        "name": enterprise.name,
        "code": enterprise.credit_code,
    }
    ws.append(sheet_row(ws, [title] + [None] * (width - 3) + [FORM_KEY.format(pk=assessment.pk), assessment.version]))
    ws.append(
        sheet_row(
            ws,
            [
                _(
                    "只填白底的格子：自评等级、推进状态从下拉列表中选择；完成百分比填 0–100 的整数；指标填本年度数值"
                    "（比例填 60 表示 60%）。填好后在自评表页面上传本文件；有错误时逐格列出，全部无误才保存。"
                    "上传即确认文件中的预填答案。下载后如在网页上改过自评表，请重新下载。"
                )
            ],
        )
    )
    ws.append(sheet_row(ws, list(heads.values())))
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
    ws["A1"].font = Font(bold=True, size=13)

    ratings = [str(label) for _v, label in SelfRating.choices]
    statuses = [str(label) for _v, label in Status.choices]
    cells: dict[str, list[str]] = {"rating": [], "status": [], "percent": [], "yes_no": [], "count": [], "share": []}
    editable: list[str] = []
    applicable = applicable_ids(enterprise)
    answers_by_measure: dict[int, list] = {}
    for answer in assessment.indicator_answers.select_related("indicator"):
        asked_as = answer_role(answer.indicator, applicable)
        if asked_as != NOT_APPLICABLE:
            answers_by_measure.setdefault(answer.indicator.measure_id, []).append((answer, asked_as))
    measure_kind, indicator_kind = _("措施"), _("指标")
    for item in assessment.items.select_related("measure"):
        measure = item.measure
        note = "；".join(prefill_labels(item.prefilled, ("status", "percent", "self_rating", "what_done")))
        if item.carried_over:
            note = _("预填待确认：%(source)s") % {"source": note or _("沿用上年")}
        ws.append(
            sheet_row(
                ws,
                [
                    measure_kind,
                    measure.code,
                    measure.label,
                    str(SelfRating(item.self_rating).label) if item.self_rating else None,
                    str(Status(item.claimed_status).label) if item.claimed_status else None,
                    item.claimed_percent,
                    item.what_done or None,
                    None,
                    None,
                    None,
                    note or None,
                    f"{ITEM_KEY}:{item.pk}",
                    item.version,
                ],
            )
        )
        row = ws.max_row
        ws[f"{WHAT_DONE}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
        cells["rating"].append(f"{RATING}{row}")
        cells["status"].append(f"{STATUS}{row}")
        cells["percent"].append(f"{PERCENT}{row}")
        editable += [f"{RATING}{row}", f"{STATUS}{row}", f"{PERCENT}{row}", f"{WHAT_DONE}{row}"]
        for answer, asked_as in answers_by_measure.get(measure.pk, []):
            indicator = answer.indicator
            derived = asked_as == DERIVED
            if derived:
                note = _("取自企业登记信息，无需填写")
                # as the page shows it: the register's value while the form may change, as submitted afterwards
                value = derived_value(indicator, enterprise) if assessment.is_editable else answer.claimed
                shown = value_display(indicator, value) or None
            else:
                note = "；".join(prefill_labels(answer.prefilled, ("value",)))
                if answer.carried_over:
                    note = _("预填待确认：%(source)s") % {"source": note or _("沿用上年")}
                if asked_as == OPTIONAL:
                    note = "；".join(n for n in (_("选填"), note) if n)
                shown = sheet_value(indicator, answer.claimed)
            ws.append(
                sheet_row(
                    ws,
                    [
                        indicator_kind,
                        indicator.code,
                        indicator.name,
                        None,
                        None,
                        None,
                        None,
                        shown,
                        indicator.target_display,
                        indicator.display_unit or None,
                        note or None,
                        None if derived else f"{ANSWER_KEY}:{answer.pk}",
                        None if derived else answer.version,
                    ],
                )
            )
            row = ws.max_row
            if derived:
                continue
            ref = f"{VALUE}{row}"
            ws[ref].number_format = sheet_format(indicator)
            editable.append(ref)
            if indicator.kind == IndicatorKind.BOOLEAN:
                cells["yes_no"].append(ref)
            elif indicator.kind == IndicatorKind.COUNT:
                cells["count"].append(ref)
            elif indicator.kind == IndicatorKind.SHARE:
                cells["share"].append(ref)

    _validation(
        ws, "list", cells["rating"], formula1=_list(ratings), prompt=_("从列表中选择"), error=_("请从列表中选择。")
    )
    _validation(
        ws, "list", cells["status"], formula1=_list(statuses), prompt=_("从列表中选择"), error=_("请从列表中选择。")
    )
    _validation(
        ws,
        "whole",
        cells["percent"],
        operator="between",
        formula1="0",
        formula2="100",
        prompt=_("0–100 的整数"),
        error=_("完成百分比应为 0 到 100 之间的整数。"),
    )
    _validation(
        ws, "list", cells["yes_no"], formula1=_list([_("是"), _("否")]), prompt=_("是或否"), error=_("请选择是或否。")
    )
    _validation(
        ws,
        "whole",
        cells["count"],
        operator="greaterThanOrEqual",
        formula1="0",
        prompt=_("不小于 0 的整数"),
        error=_("此项指标应为整数（不小于 0）。"),
    )
    _validation(
        ws,
        "decimal",
        cells["share"],
        operator="between",
        formula1="0",
        formula2="100",
        prompt=_("0–100，60 表示 60%"),
        error=_("比例应在 0 到 100 之间。"),
    )

    white = PatternFill()
    grey = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=width):
        for cell in row:
            cell.fill = grey
    for ref in editable:
        ws[ref].protection = Protection(locked=False)
        ws[ref].fill = white
    for letter, size in zip(heads, (6, 18, 40, 9, 11, 9, 50, 12, 12, 6, 28, 14, 8), strict=True):
        ws.column_dimensions[letter].width = size
    ws.column_dimensions[KEY].hidden = True
    ws.column_dimensions[VERSION].hidden = True
    ws.freeze_panes = f"D{HEADER_ROW + 1}"
    ws.protection.sheet = True  # only the white cells take input; the keys stay hidden (no password: a guard)
    ws.protection.formatColumns = True
    ws.protection.formatRows = False

    guide = wb.create_sheet(_("填写说明"))
    for line in (
        [_("列"), _("可填写的值")],
        [heads[RATING], "、".join(ratings)],
        [heads[STATUS], "、".join(statuses) + _("（未启动 0%，已完成和常态化推进 100%）")],
        [heads[PERCENT], _("0 到 100 的整数")],
        [heads[WHAT_DONE], _("状态为已完成或常态化推进时必填")],
        [
            heads[VALUE],
            _("是/否指标选“是”或“否”；数量填不小于 0 的整数；比例填 0–100（60 表示 60%）；日期如 2024-03-01"),
        ],
        [heads[KEY], _("请勿修改：每行对应的答案与下载时的版本。下载后网页上改过的答案不会被覆盖，整份文件不保存")],
    ):
        guide.append(sheet_row(guide, line))
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- reading it back -------------------------------------------------------------------------------------------


def workbook_read(upload) -> tuple[int, int | None, list[AnswerRow]]:
    """(the form's primary key, its version, the answers) of an uploaded workbook; WorkbookRefused when it is not one
    of the form's downloads or a limit of `reform_portal.workbooks` is passed. A dropdown's label becomes its stored
    value; anything else is passed on as typed, for the services to judge with the form's messages."""
    try:
        rows = uploaded_xlsx_rows(upload)
    except ValidationError as exc:
        raise WorkbookRefused([CellProblem(0, "", m) for m in exc.messages]) from None

    def at(values, letter):
        return values[_index(letter)] if len(values) > _index(letter) else None

    first = rows[0] if rows else ()
    key, form_pk = at(first, KEY), None
    if isinstance(key, str) and key.startswith("assessment:"):
        form_pk = cell_int(key.removeprefix("assessment:"))
    if form_pk is None:
        raise WorkbookRefused([CellProblem(0, "", _("这不是从本页下载的自评表文件，请先下载自评表，填写后再上传。"))])
    answers, problems = [], []
    for number, values in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        raw_key = at(values, KEY)
        if raw_key in (None, ""):
            continue  # an information row (a derived indicator) or an empty one
        kind, _sep, pk = str(raw_key).partition(":")
        pk = cell_int(pk)
        if kind not in (ITEM_KEY, ANSWER_KEY) or pk is None:
            problems.append(CellProblem(number, KEY, _("隐藏的键列被改动，无法对应到自评表的答案。")))
            continue
        if len(answers) >= MAX_DATA_ROWS:
            raise WorkbookRefused([CellProblem(number, "", _("行数超出自评表的范围。"))])
        if kind == ITEM_KEY:
            parsed = {
                "self_rating": choice_from_label(SelfRating, at(values, RATING)),
                "status": choice_from_label(Status, at(values, STATUS)),
                "percent": percent_value(at(values, PERCENT)),
                "what_done": text_value(at(values, WHAT_DONE)),
            }
            letters = ITEM_FIELDS
        else:
            parsed, letters = {"value": at(values, VALUE)}, ANSWER_FIELDS
        answers.append(
            AnswerRow(
                number=number, kind=kind, pk=pk, version=cell_int(at(values, VERSION)), values=parsed, letters=letters
            )
        )
    if problems:
        raise WorkbookRefused(problems)
    return form_pk, cell_int(at(first, VERSION)), answers


def text_value(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw)


def percent_value(raw):
    """A percent cell as the form would post it: a whole number as its digits, anything else as typed (the service
    refuses it with the form's message; 60.5 is not truncated to 60)."""
    if raw is None:
        return ""
    number = cell_int(raw)
    if number is not None:
        return str(number)
    return text_value(raw)


# ---- the upload, as a job --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WorkbookOutcome:
    """What an uploaded workbook came to: saved (how many answers, how many left as they were, and how many problems
    still keep the form from being submitted), or refused with each problem at its sheet, row and column (`stale`:
    the form or an answer changed on the page since the download). Stored as the job's summary; `back` (the form's
    page) and `then` (where the user is taken once it is saved) are added for the pages."""

    ok: bool
    saved: int = 0
    unchanged: int = 0
    missing: int = 0
    stale: bool = False
    problems: tuple[CellProblem, ...] = ()
    back: str = ""
    then: str = ""

    def as_summary(self) -> dict:
        return {
            "ok": self.ok,
            "saved": self.saved,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "stale": self.stale,
            # messages may be lazy translations: stored as the text they give now
            "problems": [{**dataclasses.asdict(p), "message": str(p.message)} for p in self.problems],
        }

    @classmethod
    def from_summary(cls, summary: dict, **pages) -> "WorkbookOutcome":
        return cls(
            ok=summary.get("ok", False),
            saved=summary.get("saved", 0),
            unchanged=summary.get("unchanged", 0),
            missing=summary.get("missing", 0),
            stale=summary.get("stale", False),
            problems=tuple(CellProblem(**p) for p in summary.get("problems", [])),
            **pages,
        )


def _refused(message: str) -> WorkbookOutcome:
    return WorkbookOutcome(ok=False, problems=(CellProblem(0, "", str(message)),))


def workbook_import(*, upload, assessment_pk: int, by, progress=None) -> WorkbookOutcome:
    """The upload's work, done by a worker: the form as `by` may reach it now, the file read with the bounded reader
    (`workbook_read`), its answers judged and saved all or nothing in one transaction (`services.workbook_apply`,
    history 年度自评 by `by`), then the completeness check counted. Refusals are outcomes, not errors."""
    try:
        assessment = assessments_visible(user=by).select_related("period", "enterprise").get(pk=assessment_pk)
    except Assessment.DoesNotExist:
        return _refused(_("您已无法查看这份自评表，文件未保存。"))
    sheet = ""
    try:
        form_pk, form_version, rows = workbook_read(upload)
        sheet = sheet_name(upload)
        if form_pk != assessment.pk:
            raise WorkbookRefused([CellProblem(0, "", _("这份文件是另一份自评表的，请从本页下载后再填写。"))])
        result = workbook_apply(assessment=assessment, by=by, form_version=form_version, rows=rows, progress=progress)
    except WorkbookRefused as exc:
        if not sheet and any(p.row for p in exc.problems):  # a problem at a row: the file was read
            sheet = sheet_name(upload)
        located = tuple(
            dataclasses.replace(p, sheet=sheet if p.row else "", column=header_of(p.letter) if p.letter else "")
            for p in exc.problems
        )
        return WorkbookOutcome(ok=False, stale=exc.stale, problems=located)
    except PermissionDenied as exc:  # no longer one who fills the form in
        return _refused(str(exc) or _("只有本企业的填报人员可以修改自评表。"))
    except AssessmentError as exc:  # submitted meanwhile
        return _refused(exc.message)
    missing = len(assessment_problems(assessment=assessment))
    return WorkbookOutcome(ok=True, saved=result.saved, unchanged=result.unchanged, missing=missing)


def workbook_job_outcome(*, user, assessment, job_id) -> WorkbookOutcome | None:
    """The outcome of `user`'s finished upload `job_id` of `assessment` (the form's page after the job,
    `?workbook=<job id>`); None when there is no such job."""
    pk = cell_int(job_id)
    if pk is None:
        return None
    job = (
        Job.objects.filter(
            pk=pk,
            owner=user,
            kind=Job.Kind.ASSESSMENT_WORKBOOK,
            status=Job.Status.SUCCEEDED,
            parameters__assessment=assessment.pk,
        )
        .only("summary")
        .first()
    )
    return None if job is None else WorkbookOutcome.from_summary(job.summary)
