"""Writes of bulletins: create (numbered per province and year), edit the text blocks (version-checked), ask for a
build (the caller hands the callable that puts the task in the outbox), build (figures, charts, .docx, .pdf; the task
and `make_bulletin` call it), issue (locks it: archived, read-only). Keyword-only, one transaction each."""

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal import numbering
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_one
from reform_portal.versioning import check_version
from reporting.supervision.choices import PROVINCE_ABBREVIATIONS

from . import charts
from .choices import BLOCK_MAX_CHARS, RANGE_MAX_DAYS, TITLE_MAX_CHARS, BuildState, BulletinStatus
from .docx_writer import bulletin_docx
from .figures import bulletin_figures
from .models import Bulletin, BulletinNumber
from .pdf_writer import bulletin_pdf

log = logging.getLogger(__name__)


def bulletin_number(province_code: str, year: int, sequence: int) -> str:
    """云工产改通报〔2026〕3号 (the province's one-character name as in supervision orders' numbers)."""
    return _("%(abbr)s工产改通报〔%(year)s〕%(n)s号") % {
        "abbr": PROVINCE_ABBREVIATIONS.get(province_code[:2], ""),
        "year": year,
        "n": sequence,
    }


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last full month."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def draft_texts(*, scope_name: str, date_from: date, date_to: date) -> dict[str, str]:
    """The blocks a new bulletin starts from, which the officer edits."""
    period = _("%(a)s至%(b)s") % {
        "a": f"{date_from.year}年{date_from.month}月{date_from.day}日",
        "b": f"{date_to.year}年{date_to.month}月{date_to.day}日",
    }
    return {
        "title": _("关于%(scope)s产业工人队伍建设改革推进情况的通报") % {"scope": scope_name},
        "opening": _(
            "各有关单位：\n为深入贯彻落实产业工人队伍建设改革各项部署，及时掌握改革任务推进情况，现将%(period)s"
            "%(scope)s产业工人队伍建设改革推进情况通报如下。"
        )
        % {"period": period, "scope": scope_name},
        "assessment": _(
            "总体看，各地各单位认真落实改革任务，推进工作总体有序，但仍存在进展不平衡、部分企业措施未启动、"
            "督办事项办结不及时等问题。"
        ),
        "next_steps": _(
            "（一）压实工作责任。各地要对照本通报指出的问题，逐项研究整改措施，推动滞后企业尽快启动。\n"
            "（二）加强督办落实。对逾期未办结的督办事项，要明确责任人和办结时限，按期销号。\n"
            "（三）强化示范引领。发挥试点企业示范作用，及时总结推广好经验好做法。"
        ),
    }


def _problems(*, date_from, date_to, title, blocks) -> dict:
    problems: dict[str, list] = {}
    if date_from and date_to:
        if date_to < date_from:
            problems["date_to"] = [_("截止日期不能早于起始日期。")]
        elif (date_to - date_from).days >= RANGE_MAX_DAYS:
            problems["date_to"] = [_("通报时段最长 %(n)s 天。") % {"n": RANGE_MAX_DAYS}]
        elif date_to > timezone.localdate():
            problems["date_to"] = [_("截止日期不能晚于今天。")]
    if title is not None and not (title or "").strip():
        problems["title"] = [_("请填写标题。")]
    elif title is not None and len(title) > TITLE_MAX_CHARS:
        problems["title"] = [_("标题最多 %(n)s 字。") % {"n": TITLE_MAX_CHARS}]
    for name, value in blocks.items():
        if len(value or "") > BLOCK_MAX_CHARS:
            problems[name] = [_("最多 %(n)s 字。") % {"n": BLOCK_MAX_CHARS}]
    return problems


@transaction.atomic
def bulletin_create(
    *, province, prefecture, date_from, date_to, by, title=None, opening=None, assessment=None, next_steps=None
) -> Bulletin:
    """A draft bulletin of `province` (or its `prefecture`), numbered; blocks left None start from `draft_texts`."""
    if prefecture is not None and prefecture.parent_id != province.pk:
        raise ValidationError({"prefecture": [_("该州（市）不属于所选省份。")]})
    draft = draft_texts(scope_name=(prefecture or province).name, date_from=date_from, date_to=date_to)
    values = {
        "title": draft["title"] if title is None else title.strip(),
        "opening": draft["opening"] if opening is None else opening,
        "assessment": draft["assessment"] if assessment is None else assessment,
        "next_steps": draft["next_steps"] if next_steps is None else next_steps,
    }
    problems = _problems(
        date_from=date_from,
        date_to=date_to,
        title=values["title"],
        blocks={k: values[k] for k in values if k != "title"},
    )
    if problems:
        raise ValidationError(problems)
    year = timezone.localdate().year
    (sequence,) = numbering.reserve(BulletinNumber, province_id=province.pk, year=year)
    return Bulletin.objects.create(
        number=bulletin_number(province.code, year, sequence),
        province=province,
        prefecture=prefecture,
        year=year,
        sequence=sequence,
        date_from=date_from,
        date_to=date_to,
        created_by=by,
        **values,
    )


def _refuse_issued(bulletin) -> None:
    if bulletin.is_issued:
        raise ValidationError({"__all__": [_("通报已印发，不能再修改。")]})


@transaction.atomic
def bulletin_edit(*, bulletin, title, opening, assessment, next_steps, expected_version, by) -> Bulletin:
    """Save the text blocks (refused if another edit came first: StaleEdit). A built bulletin goes back to draft:
    its files no longer say what the blocks say, and it is built again before it is issued."""
    current = lock_one(Bulletin, bulletin.pk)
    check_version(current, expected_version, label=current.number)
    _refuse_issued(current)
    blocks = {"opening": opening, "assessment": assessment, "next_steps": next_steps}
    problems = _problems(date_from=None, date_to=None, title=title, blocks=blocks)
    if problems:
        raise ValidationError(problems)
    current.title = title.strip()
    for name, value in blocks.items():
        setattr(current, name, value or "")
    current.status = BulletinStatus.DRAFT
    current.save(update_fields=["title", "opening", "assessment", "next_steps", "status"])
    current.refresh_from_db(fields=["version"])
    return current


@transaction.atomic
def bulletin_build_request(*, bulletin, by, enqueue) -> Bulletin:
    """Queue the build: `enqueue(bulletin_id)` puts the task in the outbox (sent after commit, on the `jobs` queue)."""
    current = lock_one(Bulletin, bulletin.pk)
    _refuse_issued(current)
    if current.building and not current.build_stalled:
        raise ValidationError({"__all__": [_("通报正在生成，请稍候。")]})
    current.build_state, current.build_progress, current.build_error = BuildState.QUEUED, 0, ""
    current.build_requested_at = timezone.now()
    current.save(update_fields=["build_state", "build_progress", "build_error", "build_requested_at"])
    enqueue(current.pk)
    return current


def _progress(bulletin_id: int, percent: int, state=BuildState.RUNNING) -> None:
    Bulletin.objects.filter(pk=bulletin_id).exclude(status=BulletinStatus.ISSUED).update(
        build_state=state, build_progress=percent
    )


def bulletin_build(*, bulletin_id: int, by=None) -> Bulletin:
    """Compute the figures, draw the charts, write the .docx and the .pdf and keep them with the bulletin (built).
    The figures and files are made outside any transaction (seconds for a large province); they are stored in one,
    under the bulletin's lock, unless it was issued meanwhile."""
    bulletin = Bulletin.objects.select_related("province", "prefecture", "created_by").get(pk=bulletin_id)
    _refuse_issued(bulletin)
    try:
        _progress(bulletin.pk, 5)
        figures = bulletin_figures(
            province=bulletin.province,
            prefecture=bulletin.prefecture,
            date_from=bulletin.date_from,
            date_to=bulletin.date_to,
        )
        _progress(bulletin.pk, 40)
        scope = figures["scope"]["name"]
        images = {
            "areas": charts.completion_bars(
                figures["areas"], title=_("%(scope)s各地措施完成率（%%）") % {"scope": scope}
            ),
            "trend": charts.trend_line(figures["trend"], title=_("%(scope)s措施完成率走势（%%）") % {"scope": scope}),
        }
        _progress(bulletin.pk, 60)
        docx = bulletin_docx(bulletin, figures, images)
        _progress(bulletin.pk, 80)
        pdf = bulletin_pdf(bulletin, figures, images)
    except Exception as exc:
        log.exception("bulletin %s: build failed", bulletin_id)
        Bulletin.objects.filter(pk=bulletin_id).update(
            build_state=BuildState.FAILED,
            build_error=_("生成失败（%(error)s），请重试。") % {"error": type(exc).__name__},
        )
        raise
    with transaction.atomic(), change_context(by=by or bulletin.created_by, source=ChangeSource.SYSTEM):
        current = lock_one(Bulletin, bulletin.pk)
        _refuse_issued(current)
        old = [f for f in (current.docx_file, current.pdf_file) if f]
        current.figures = figures
        current.docx_file.save(f"{current.pk}.docx", ContentFile(docx), save=False)
        current.pdf_file.save(f"{current.pk}.pdf", ContentFile(pdf), save=False)
        current.status = BulletinStatus.BUILT
        current.build_state, current.build_progress, current.build_error = BuildState.DONE, 100, ""
        current.built_at = timezone.now()
        current.save()
        names = [f.name for f in old]
        transaction.on_commit(lambda: [current.docx_file.storage.delete(n) for n in names])
    current.refresh_from_db(fields=["version"])
    return current


@transaction.atomic
def bulletin_issue(*, bulletin, by, expected_version) -> Bulletin:
    """印发: a built bulletin becomes read-only and is archived with its files."""
    current = lock_one(Bulletin, bulletin.pk)
    check_version(current, expected_version, label=current.number)
    _refuse_issued(current)
    if current.status != BulletinStatus.BUILT or current.building:
        raise ValidationError({"__all__": [_("请先生成通报文件（修改后须重新生成），再印发。")]})
    current.status, current.issued_at, current.issued_by = BulletinStatus.ISSUED, timezone.now(), by
    current.save(update_fields=["status", "issued_at", "issued_by"])
    current.refresh_from_db(fields=["version"])
    return current
