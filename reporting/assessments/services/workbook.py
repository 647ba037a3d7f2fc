"""The answers of an uploaded workbook (reporting/assessments/workbook.py reads it), saved with the form's own
rules: all of them, or none.

Every row is judged as `item_save` / `indicator_save` judge an autosave on the page (the same checks, messages,
stale-edit refusal), every row in turn so that each problem is reported at its cell; any problem saves nothing.
Then the changed answers are written together, their history recorded by the database as 年度自评 by the user.
A row the file leaves as the form has it (and that waits for no confirmation) is not written at all. The upload
runs as a background job (reform_portal.jobs, `work.assessment_workbook_run`)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reform_portal.choices import ChangeSource
from reform_portal.history import records_as
from reform_portal.locks import lock_rows
from reform_portal.versioning import StaleEdit, check_version

from ..models import Assessment, AssessmentIndicator, AssessmentItem
from .editing import (
    INDICATOR_ANSWER_FIELDS,
    ITEM_ANSWER_FIELDS,
    indicator_answer_set,
    item_answer_clean,
    item_answer_set,
)
from .state import require_editable
from .values import NOT_APPLICABLE, answer_role, applicable_ids, parse_indicator_value, parse_percent

ITEM, ANSWER = "item", "indicator"


@dataclass(frozen=True)
class CellProblem:
    """One problem of an uploaded workbook: its row and column letter (0 / "": the file as a whole), the measure or
    indicator it concerns, and what is wrong; the job's report adds the worksheet and the column's heading."""

    row: int
    letter: str
    message: str
    label: str = ""
    sheet: str = ""  # the worksheet's name and the column's heading, when known (the job's report)
    column: str = ""

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.letter:
            return _("第 %(row)d 行：%(message)s") % {"row": self.row, "message": self.message}
        where = {"row": self.row, "col": self.letter, "message": self.message}
        return _("第 %(row)d 行 %(col)s 列：%(message)s") % where


class WorkbookRefused(Exception):
    """The upload saved nothing: `problems` per cell; `stale` when the form or an answer changed since the download
    (the page answers 409), otherwise invalid values or a file that is not the form's (400)."""

    def __init__(self, problems: list[CellProblem], *, stale: bool = False):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.stale = stale


@dataclass
class AnswerRow:
    """One answer of the file: its row, which answer (ITEM or ANSWER and its primary key), the version it was
    downloaded at, its values by the service's field names and each field's column letter."""

    number: int
    kind: str
    pk: int
    version: int | None
    values: dict = field(default_factory=dict)
    letters: dict = field(default_factory=dict)


@dataclass
class WorkbookResult:
    saved: int = 0
    unchanged: int = 0


def _item_unchanged(item, values: dict) -> bool:
    try:
        percent = parse_percent(values.get("percent"))
    except ValidationError:
        return False
    current = (item.self_rating, item.claimed_status, item.claimed_percent, item.what_done.strip())
    wanted = (values.get("self_rating", ""), values.get("status", ""), percent, (values.get("what_done") or "").strip())
    return not item.carried_over and current == wanted


def _answer_unchanged(answer, values: dict) -> bool:
    try:
        wanted = parse_indicator_value(answer.indicator, values.get("value"))
    except ValidationError:
        return False
    return not answer.carried_over and wanted == answer.claimed


# One statement writes up to this many answers (a form has a few dozen; the reader stops at MAX_DATA_ROWS).
WRITE_BATCH = 1000


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def workbook_apply(
    *, assessment: Assessment, by, form_version: int | None, rows: list[AnswerRow], progress=None
) -> WorkbookResult:
    """Save the file's answers of `assessment` on behalf of `by`: every row valid and none changed on the page since
    the download, or nothing at all (WorkbookRefused, with each problem at its cell). PermissionDenied and
    IllegalTransition as for an autosave (`require_editable`). `progress(done, total)` is called after each row.

    The same checks and messages as the page's autosave (`editing.item_answer_clean`, `values.parse_indicator_value`,
    the stale-edit check of each row's version), but set-based: the form's answers are locked and read once, every
    row judged in memory, and the changed ones written by one UPDATE per kind of answer, whose history the database
    writes (年度自评, by `by`): the same number of statements for a form of ten answers or of five hundred."""
    assessment = require_editable(assessment, by)  # the form's row locked: every writer of its answers locks it first
    try:
        check_version(assessment, form_version if form_version is not None else -1, label=_("自评表"))
    except StaleEdit:
        raise WorkbookRefused(
            [CellProblem(0, "", _("下载后自评表已被退回或重新提交过，未保存任何内容。请重新下载后再填写。"))],
            stale=True,
        ) from None
    items = {i.pk: i for i in lock_rows(AssessmentItem.objects.filter(assessment=assessment).select_related("measure"))}
    answers = {
        a.pk: a
        for a in lock_rows(AssessmentIndicator.objects.filter(assessment=assessment).select_related("indicator"))
    }
    applicable = applicable_ids(assessment.enterprise)
    problems: list[CellProblem] = []
    stale = False
    result = WorkbookResult()
    seen: set[tuple[str, int]] = set()
    changed_items, changed_answers = [], []
    for done, row in enumerate(rows, start=1):
        if progress is not None:
            progress(done, len(rows))
        target = (items if row.kind == ITEM else answers).get(row.pk)
        if target is None or (row.kind, row.pk) in seen:
            problems.append(CellProblem(row.number, "", _("这一行不属于本自评表（隐藏的键列被改动或重复）。")))
            continue
        seen.add((row.kind, row.pk))
        if row.kind == ITEM:
            label, title = target.measure.code, target.measure.title
            if _item_unchanged(target, row.values):
                result.unchanged += 1
                continue
        else:
            label, title = target.indicator.code, target.indicator.name
            if answer_role(target.indicator, applicable) == NOT_APPLICABLE or _answer_unchanged(target, row.values):
                result.unchanged += 1  # not asked (any more): the file's value is not written, as on the page
                continue
        try:
            check_version(target, row.version if row.version is not None else -1, label=title)
            if row.kind == ITEM:
                values = item_answer_clean(
                    self_rating=row.values.get("self_rating", ""),
                    what_done=row.values.get("what_done", ""),
                    status=row.values.get("status", ""),
                    percent=row.values.get("percent", ""),
                )
            else:
                # applicability was judged above from `applicable` (indicator_save asks the database per answer)
                value = parse_indicator_value(target.indicator, row.values.get("value"))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            for name, messages in errors.items():
                for message in messages:
                    problems.append(CellProblem(row.number, row.letters.get(name, ""), message, label))
        except StaleEdit as exc:
            stale = True
            message = _("%(message)s（下载后在网页上被修改过）") % {"message": exc.message}
            problems.append(CellProblem(row.number, "", message, label))
        else:
            if row.kind == ITEM:
                item_answer_set(target, values, by=by)
                changed_items.append(target)
            else:
                indicator_answer_set(target, value)
                changed_answers.append(target)
            result.saved += 1
    if problems:
        raise WorkbookRefused(problems, stale=stale)
    if changed_items:
        AssessmentItem.objects.bulk_update(changed_items, ITEM_ANSWER_FIELDS, batch_size=WRITE_BATCH)
    if changed_answers:
        AssessmentIndicator.objects.bulk_update(changed_answers, INDICATOR_ANSWER_FIELDS, batch_size=WRITE_BATCH)
    return result
