"""The answers of an uploaded workbook (reporting/assessments/workbook.py reads it), saved with the form's own
services: all of them, or none.

Each row goes through `item_save` / `indicator_save` (the same checks, messages, stale-edit refusal and history as
an autosave on the page), each in a savepoint so that every row is judged; any problem rolls the whole transaction
back. A row the file leaves as the form has it (and that waits for no confirmation) is not written at all."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reform_portal.versioning import StaleEdit, check_version

from ..models import Assessment
from .editing import indicator_save, item_save
from .state import require_editable
from .values import NOT_APPLICABLE, answer_role, applicable_ids, parse_indicator_value, parse_percent

ITEM, ANSWER = "item", "indicator"


@dataclass(frozen=True)
class CellProblem:
    """One problem of an uploaded workbook: its row and column letter (0 / "": the file as a whole), the measure or
    indicator it concerns, and what is wrong."""

    row: int
    letter: str
    message: str
    label: str = ""

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


@transaction.atomic
def workbook_apply(*, assessment: Assessment, by, form_version: int | None, rows: list[AnswerRow]) -> WorkbookResult:
    """Save the file's answers of `assessment` on behalf of `by`: every row valid and none changed on the page since
    the download, or nothing at all (WorkbookRefused, with each problem at its cell). PermissionDenied and
    IllegalTransition as for an autosave (`require_editable`)."""
    assessment = require_editable(assessment, by)
    try:
        check_version(assessment, form_version if form_version is not None else -1, label=_("自评表"))
    except StaleEdit:
        raise WorkbookRefused(
            [CellProblem(0, "", _("下载后自评表已被退回或重新提交过，未保存任何内容。请重新下载后再填写。"))],
            stale=True,
        ) from None
    items = {i.pk: i for i in assessment.items.select_related("measure", "assessment")}
    answers = {a.pk: a for a in assessment.indicator_answers.select_related("indicator", "assessment")}
    applicable = applicable_ids(assessment.enterprise)
    problems: list[CellProblem] = []
    stale = False
    result = WorkbookResult()
    seen: set[tuple[str, int]] = set()
    for row in rows:
        target = (items if row.kind == ITEM else answers).get(row.pk)
        if target is None or (row.kind, row.pk) in seen:
            problems.append(CellProblem(row.number, "", _("这一行不属于本自评表（隐藏的键列被改动或重复）。")))
            continue
        seen.add((row.kind, row.pk))
        if row.kind == ITEM:
            label = target.measure.code
            if _item_unchanged(target, row.values):
                result.unchanged += 1
                continue
            save = lambda target=target, row=row: item_save(  # noqa: E731
                item=target,
                by=by,
                self_rating=row.values.get("self_rating", ""),
                what_done=row.values.get("what_done", ""),
                status=row.values.get("status", ""),
                percent=row.values.get("percent", ""),
                expected_version=row.version if row.version is not None else -1,
            )
        else:
            label = target.indicator.code
            if answer_role(target.indicator, applicable) == NOT_APPLICABLE or _answer_unchanged(target, row.values):
                result.unchanged += 1  # not asked (any more): the file's value is not written, as on the page
                continue
            save = lambda target=target, row=row: indicator_save(  # noqa: E731
                answer=target,
                by=by,
                value=row.values.get("value"),
                expected_version=row.version if row.version is not None else -1,
            )
        try:
            with transaction.atomic():  # a savepoint: the next rows are still judged
                save()
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
            result.saved += 1
    if problems:
        raise WorkbookRefused(problems, stale=stale)
    return result
