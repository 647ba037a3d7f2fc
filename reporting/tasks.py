"""Rollup tasks: thin, ids in, services do the work.

The nightly full rollup fans out one `rollup_part` per (province, document), so several workers on several machines
share it; the part that finishes last closes the `RollupRun`. The parts are sent through the outbox, recorded with
the run: a broker that blinks while a run starts delays its parts, and loses none. A part is stopped at
`ROLLUP_TIME_LIMIT_SECONDS`; `rollup_runs_expire` marks failed the runs whose worker died.
"""

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from enterprises.models import Region
from reform_portal.outbox.services import enqueue

from . import rollup, tallies, triggers
from .choices import RunKind

log = logging.getLogger(__name__)


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


# Stopped at the time limit (the soft one first, so that the part fails and is counted): a part never runs forever.
@shared_task(
    acks_late=True,
    time_limit=settings.ROLLUP_TIME_LIMIT_SECONDS,
    soft_time_limit=max(settings.ROLLUP_TIME_LIMIT_SECONDS - 30, 1),
)
def rollup_part(run_id: int | None, document_id: int, day: str) -> dict:
    result = rollup.rollup_part_run(run_id=run_id, document_id=document_id, day=_day(day))
    return {"document_id": result.document_id, "rows": result.rows, "seconds": round(result.seconds, 3)}


def _fan_out(run, documents, day: date):
    """One part per document, through the outbox (in the caller's transaction: sent once the run is committed)."""
    for document in documents:
        enqueue(rollup_part, run.pk, document.pk, day.isoformat())


@shared_task
def rollup_full(day: str | None = None, requested_by_id: int | None = None) -> int:
    """Nightly: every (province, document) part of `day` (default today), as a group."""
    day_ = _day(day)
    documents = rollup.documents_to_roll()
    by = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    with transaction.atomic():
        run = rollup.rollup_run_start(kind=RunKind.FULL, day=day_, documents=documents, requested_by=by)
        _fan_out(run, documents, day_)
    return run.pk


@shared_task
def rollup_refresh() -> int | None:
    """Every 15 minutes: today's figures of the documents whose progress, indicator values, enterprises or
    self-assessments changed since the run behind each document's figures of today began (per province and
    document: a province's "立即刷新" does not hold back the others' changes)."""
    day = timezone.localdate()
    documents = rollup.changed_documents(since=rollup.refresh_watermarks(day=day))
    if not documents:
        return None
    with transaction.atomic():
        run = rollup.rollup_run_start(kind=RunKind.REFRESH, day=day, documents=documents)
        _fan_out(run, documents, day)
    return run.pk


@shared_task
def rollup_refresh_province(run_id: int) -> int | None:
    """ "Refresh now" for a province: the run was recorded, queued, by the request (so the page shows it at once);
    this task starts it, once (a second delivery, or a run expired meanwhile, does nothing)."""
    with transaction.atomic():
        run = rollup.rollup_run_claim(run_id=run_id)
        if run is None:
            return None
        documents = rollup.documents_to_roll(province=Region.objects.get(pk=run.province_id))
        _fan_out(run, documents, run.day)
    return run.pk


@shared_task
def rollup_runs_expire() -> list[int]:
    """Every 5 minutes: runs left 进行中 (or 排队中) by a dead worker or an undelivered task are marked failed."""
    return [run.pk for run in rollup.rollup_runs_expire()]


@shared_task(ignore_result=True)
def rollup_generation_bump() -> bool:
    """A generation bump the cache could not take when a rollup committed (Redis away), sent when it returns."""
    return rollup.generation_bump()


@shared_task
def tallies_check() -> dict[str, int]:
    """Weekly: compare the tallies the database keeps with the source rows; on any difference, log it and rebuild
    (so a write made around the triggers, e.g. with them disabled, cannot skew the figures for long). Triggers that
    differ from the code are logged too: a rebuild cannot help while they count wrongly."""
    for difference in triggers.installed_differences():
        log.error("database trigger differs from the code: %s", difference)
    drift = tallies.drift()
    counts = {table: len(keys) for table, keys in drift.items()}
    if any(counts.values()):
        log.error("tallies differ from the source rows %s: rebuilding", counts)
        tallies.rebuild()
    return counts


@shared_task(ignore_result=True)
def rollup_live_figures(user_id: int, parameters: dict) -> None:
    """The dashboard's figures of a large live filter combination (reporting.live), computed for the user who asked
    (their reach: the access policy as them) and cached under the page's key, which the page polls for. Asked by the
    dashboard through the outbox; on the `rollups` queue (its name's route). `parameters`:
    `exports.export_parameters`, the filters as the page resolved them."""
    from . import selectors
    from .exports import export_scope

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    scope, filters = export_scope(user=user, parameters=parameters)
    selectors.dashboard_data(user=user, scope=scope, filters=filters)  # computes and caches
