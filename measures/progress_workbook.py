"""One measure's progress of many enterprises as a workbook: the officer downloads the rows in their charge (the
enterprise list's filter, one measure), fills in status, percent and note without the portal, and uploads it.

The download is pre-filled with each row's current values, a dropdown of the statuses, a whole-number check on the
percent, and two hidden columns with the row's key and version; the sheet is protected, only the three answer
columns take input. The upload is read with `reform_portal.workbooks.sheet_rows` (bounded time and memory) and
judged row by row with the one progress rule (`services.progress_problems`: status and percent agree, a move back
needs its own note); a row someone changed since the download is refused (its version), a row outside the user's
charge is refused without saying whether it exists. Nothing is written unless every row passes; then one set-based
write in one short transaction: the changed rows locked in one statement and their versions checked again, one
UPDATE per batch (`bulk_update`), the database writing the history (by the user, source 导入) and raising each
version. A constant number of queries whatever the number of rows. The upload runs as a background job
(`reform_portal.jobs`, kind 上传进度填报表): the page checks the file and stores it, the worker reads, checks
(`progress` after each row) and writes it, and the job's page shows the result or each problem at its cell."""

import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from enterprises.models import Enterprise
from reform_portal.choices import ChangeSource
from reform_portal.locks import lock_rows
from reform_portal.spreadsheets import sheet_row
from reform_portal.text_limits import NOTE_MAX_CHARS
from reform_portal.workbooks import cell_int, choice_from_label, read_only_workbook, uploaded_xlsx_rows

from .choices import Status
from .history import change_context
from .models import Progress
from .services import progress_problems

NAME, CREDIT_CODE, MEASURE, STATUS, PERCENT, NOTE, UPDATED, KEY, VERSION = "ABCDEFGHI"
FIELDS = {"status": STATUS, "percent": PERCENT, "note": NOTE}
KEY_PREFIX = "progress:"
MAX_ROWS = 20_000  # as the bulk update by filter (enterprises.bulk_selection.MAX_ENTERPRISES)
BATCH = 2_000


def _headers() -> dict[str, str]:
    return {
        NAME: _("企业名称"),
        CREDIT_CODE: _("统一社会信用代码"),
        MEASURE: _("措施"),
        STATUS: _("推进状态"),
        PERCENT: _("完成百分比"),
        NOTE: _("说明"),
        UPDATED: _("上次更新"),
        KEY: _("键（勿改）"),
        VERSION: _("版本（勿改）"),
    }


def progress_workbook(rows, *, measure) -> bytes:
    """The workbook of `rows` (Progress, each with its enterprise's `enterprise_name` and `credit_code` annotated,
    already narrowed to the user's charge) for `measure`."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("进度")
    heads = _headers()
    ws.append(sheet_row(ws, list(heads.values())))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    label = measure.label
    for row in rows:
        ws.append(
            sheet_row(
                ws,
                [
                    row.enterprise_name,
                    row.credit_code,
                    label,
                    str(Status(row.status).label),
                    row.percent,
                    row.note or None,
                    timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M") if row.updated_at else None,
                    f"{KEY_PREFIX}{row.pk}",
                    row.version,
                ],
            )
        )
    last = max(ws.max_row, 2)
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(str(label) for _v, label in Status.choices) + '"',
        allow_blank=False,
        showErrorMessage=True,
        showInputMessage=True,
        error=_("请从列表中选择。"),
        prompt=_("从列表中选择"),
    )
    percents = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        showErrorMessage=True,
        showInputMessage=True,
        error=_("完成百分比应为 0 到 100 之间的整数。"),
        prompt=_("0–100 的整数（未启动 0，已完成和常态化推进 100）"),
    )
    for dv, letter in ((statuses, STATUS), (percents, PERCENT)):
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{last}")
    grey = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")
    for cells in ws.iter_rows(min_row=2, max_col=len(heads)):
        for cell in cells:
            if cell.column_letter in FIELDS.values():
                cell.protection = Protection(locked=False)
            else:
                cell.fill = grey
    for letter, width in zip(heads, (32, 22, 30, 12, 10, 40, 17, 14, 8), strict=True):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions[KEY].hidden = ws.column_dimensions[VERSION].hidden = True
    ws.freeze_panes = "D2"
    ws.protection.sheet = True  # only status, percent and note take input (no password: a guard, checked on upload)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- the upload --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    row: int  # 0: the file as a whole
    letter: str  # "": the row as a whole
    message: str
    sheet: str = ""  # the worksheet's name, when known (the job's report)

    @property
    def column(self) -> str:
        """The column's heading in the downloaded file ("" for the row or the file as a whole)."""
        return _headers().get(self.letter, "") if self.letter else ""

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.letter:
            return _("第 %(row)d 行：%(message)s") % {"row": self.row, "message": self.message}
        return _("第 %(row)d 行 %(col)s 列：%(message)s") % {
            "row": self.row,
            "col": self.letter,
            "message": self.message,
        }


class ProgressWorkbookRefused(Exception):
    """Nothing was saved: the problems per cell; `stale` when rows changed since the download (409)."""

    def __init__(self, problems: list[CellProblem], *, stale: bool = False):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.stale = stale


@dataclass
class ProgressRow:
    number: int
    pk: int
    version: int | None
    status: str
    percent: int | None
    note: str | None  # None: the cell left empty, the stored note is kept
    percent_raw: object = None


@dataclass
class ProgressWorkbookResult:
    updated: int = 0
    unchanged: int = 0


def sheet_name(upload) -> str:
    """The name of the worksheet `sheet_rows` reads (the first), for the report; "" when it cannot be told. Call it
    after the rows were read: the file has passed the bounded checks, and `read_only_workbook` reads only the
    workbook's index for this (openpyxl's own read-only load reads every sheet through for its size)."""
    try:
        upload.seek(0)
        workbook = read_only_workbook(upload)
        try:
            return workbook.worksheets[0].title if workbook.worksheets else ""
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - a name for the report only
        return ""


def progress_workbook_read(upload) -> list[ProgressRow]:
    """The rows of an uploaded workbook (those with a key); ProgressWorkbookRefused when the file is not one."""
    try:
        values = uploaded_xlsx_rows(upload)
    except ValidationError as exc:
        raise ProgressWorkbookRefused([CellProblem(0, "", m) for m in exc.messages]) from None

    def at(cells, letter):
        index = ord(letter) - ord("A")
        return cells[index] if len(cells) > index else None

    rows, problems = [], []
    for number, cells in enumerate(values[1:], start=2):
        key = at(cells, KEY)
        if key in (None, ""):
            continue
        pk = cell_int(str(key).removeprefix(KEY_PREFIX)) if str(key).startswith(KEY_PREFIX) else None
        if pk is None:
            problems.append(CellProblem(number, KEY, _("隐藏的键列被改动，无法对应到进度记录。")))
            continue
        if len(rows) >= MAX_ROWS:
            raise ProgressWorkbookRefused([CellProblem(number, "", _("一次最多 %(n)d 行。") % {"n": MAX_ROWS})])
        note = at(cells, NOTE)
        rows.append(
            ProgressRow(
                number=number,
                pk=pk,
                version=cell_int(at(cells, VERSION)),
                status=choice_from_label(Status, at(cells, STATUS)),
                percent=cell_int(at(cells, PERCENT)),
                note=None if note in (None, "") else str(note),
                percent_raw=at(cells, PERCENT),
            )
        )
    if problems:
        raise ProgressWorkbookRefused(problems)
    if not rows:
        raise ProgressWorkbookRefused([CellProblem(0, "", _("文件中没有进度行，请使用下载的进度填报表。"))])
    return rows


def progress_workbook_apply(*, user, rows: list[ProgressRow], progress=None) -> ProgressWorkbookResult:
    """Write the file's rows on behalf of `user`: all of them, or none (ProgressWorkbookRefused, each problem at its
    cell). PermissionDenied for a role that may not update progress. Every row is checked first, without a lock
    (`progress(done, total)` after each: a job shows it, so it must be cheap and is never inside the transaction);
    then the changed rows are written in one short transaction that locks them and checks their versions again.
    Set-based (module docstring)."""
    from reform_portal.access import EnterprisePolicy  # as services.progress_bulk_update: at call time

    if not EnterprisePolicy.can(user, EnterprisePolicy.UPDATE_PROGRESS):
        raise PermissionDenied
    current_rows = {
        p.pk: p
        for p in Progress.objects.filter(pk__in=sorted({r.pk for r in rows})).only(
            "id", "enterprise_id", "status", "percent", "note", "version"
        )
    }
    # For a role that may update progress, what it sees is what it may update (EnterprisePolicy.can).
    in_charge = set(
        EnterprisePolicy.visible(
            user, Enterprise.objects.filter(pk__in=sorted({p.enterprise_id for p in current_rows.values()}))
        ).values_list("pk", flat=True)
    )
    problems, changed, stale, seen = [], {}, False, set()
    result = ProgressWorkbookResult()
    total = len(rows)
    for done, row in enumerate(rows):
        if progress is not None:
            progress(done, total)
        current = current_rows.get(row.pk)
        if current is None or current.enterprise_id not in in_charge or row.pk in seen:
            # the same words whether the row is gone or out of the charge: nothing about it is revealed
            problems.append(CellProblem(row.number, "", _("这一行不是您负责的进度记录（或隐藏的键列被改动、重复）。")))
            continue
        seen.add(row.pk)
        if row.version != current.version:
            stale = True
            problems.append(_stale_problem(row.number, current))
            continue
        errors = progress_problems(old=current, status=row.status, percent=row.percent, note=row.note)
        if row.note is not None and len(row.note) > NOTE_MAX_CHARS:
            errors.setdefault("note", []).append(_("说明不超过 %(n)s 字。") % {"n": NOTE_MAX_CHARS})
        for name, messages in errors.items():
            problems += [CellProblem(row.number, FIELDS.get(name, ""), m) for m in messages]
        if errors:
            continue
        note = current.note if row.note is None else row.note.strip()
        if (current.status, current.percent, current.note) == (row.status, row.percent, note):
            result.unchanged += 1
            continue
        current.status, current.percent, current.note = row.status, row.percent, note
        changed[current.pk] = (row.number, current)
    if progress is not None:
        progress(total, total)
    if problems:
        raise ProgressWorkbookRefused(problems, stale=stale)
    _write(user, changed)
    result.updated = len(changed)
    return result


def _stale_problem(number: int, current) -> CellProblem:
    return CellProblem(
        number,
        "",
        _("该企业这项措施的进度在下载后已被修改（现为 %(status)s %(percent)s%%），请重新下载后再填写。")
        % {"status": Status(current.status).label, "percent": current.percent},
    )


@transaction.atomic
def _write(user, changed: dict[int, tuple[int, Progress]]) -> None:
    """The checked rows, in one transaction: locked in one statement (primary-key order), refused as stale if any
    changed since they were checked, then one UPDATE per batch with the history by `user`, source 导入."""
    if not changed:
        return
    locked = lock_rows(Progress.objects.filter(pk__in=sorted(changed)).only("id", "status", "percent", "version"))
    moved = [_stale_problem(changed[p.pk][0], p) for p in locked if p.version != changed[p.pk][1].version]
    gone = sorted(set(changed) - {p.pk for p in locked})
    moved += [CellProblem(changed[pk][0], "", _("该进度记录在下载后已被删除，请重新下载后再填写。")) for pk in gone]
    if moved:
        raise ProgressWorkbookRefused(sorted(moved, key=lambda c: c.row), stale=True)
    now = timezone.now()
    rows = [row for _number, row in changed.values()]
    for row in rows:
        row.updated_by, row.updated_at = user, now
    with change_context(by=user, source=ChangeSource.IMPORT):
        Progress.objects.bulk_update(rows, ["status", "percent", "note", "updated_by", "updated_at"], batch_size=BATCH)
