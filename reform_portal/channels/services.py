"""Writes of the channels: a robot added, changed, deleted (history and audit log), a message announced to robots,
and one attempt of a delivery (docs/channels.md).

`announce(...)` is what the apps call: it takes ids and texts, creates one Delivery per active channel of those
regions and users, and records one task per delivery in the outbox (reform_portal/outbox), published after the
caller's transaction commits. A rolled-back write sends nothing; a failing robot fails its delivery, never the write
that caused it (the task posts, in a worker, later)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.audit.services import record
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.locks import lock_first, lock_one
from reform_portal.outbox.services import enqueue
from reform_portal.versioning import check_version

from . import choices, webhooks
from .choices import ChannelKind, DeliveryStatus
from .models import Channel, Delivery

DELIVER_TASK = "reform_portal.channels.tasks.channel_deliver"
TITLE_MAX_CHARS = 200
TEXT_MAX_CHARS = 4000
EDITABLE_FIELDS = ("kind", "name", "webhook_url", "secret", "active")


# -- the channels ----------------------------------------------------------------------------------------------


def channel_problems(*, kind: str, webhook_url: str, secret: str) -> dict[str, list[str]]:
    """The robot's address and secret checked (the SSRF guard, the secret each kind takes), by field."""
    problems = {}
    if kind not in ChannelKind.values:
        problems["kind"] = [_("请选择企业微信或钉钉。")]
    problem = webhooks.url_problem(webhook_url or "")
    if problem:
        problems["webhook_url"] = [str(problem)]
    problem = webhooks.secret_problem(kind, secret or "")
    if problem:
        problems["secret"] = [str(problem)]
    return problems


def _fill(channel: Channel, data: dict) -> list[str]:
    """Apply `data` (only EDITABLE_FIELDS; a secret of None or absent keeps the stored one); the names changed."""
    changed = []
    for name in EDITABLE_FIELDS:
        if name not in data or (name == "secret" and data[name] is None):
            continue
        value = data[name].strip() if isinstance(data[name], str) else data[name]
        if getattr(channel, name) != value:
            setattr(channel, name, value)
            changed.append(name)
    problems = channel_problems(kind=channel.kind, webhook_url=channel.webhook_url, secret=channel.secret)
    if problems:
        raise ValidationError(problems)
    channel.url_display = webhooks.masked_url(channel.webhook_url)
    channel.secret_hint = webhooks.mask(channel.secret)
    return changed


def channel_create(*, data: dict, by, region_id: int | None = None, owner=None) -> Channel:
    """A robot of a region (`region_id`) or of a user (`owner`); who may is the caller's (ChannelPolicy) to ask."""
    if (region_id is None) == (owner is None):
        raise ValidationError({"region": [_("请选择所属区域，或作为个人渠道添加。")]})
    channel = Channel(region_id=region_id, owner=owner, created_by=by, kind=data.get("kind", ""))
    _fill(channel, {"secret": "", **data})
    with transaction.atomic(), change_context(by=by, source=ChangeSource.MANUAL):
        channel.save(force_insert=True)
        record(choices.AUDIT_CREATED, user=by, target=channel, details=_audit_details(channel, ["kind", "webhook_url"]))
    return channel


def channel_update(*, channel: Channel, data: dict, by, expected_version: int | None) -> Channel:
    with transaction.atomic(), change_context(by=by, source=ChangeSource.MANUAL):
        current = lock_one(Channel, channel.pk)
        check_version(current, expected_version, label=current.name)
        changed = _fill(current, data)
        if changed:
            current.save()
            current.refresh_from_db(fields=["version", "updated_at"])
            record(choices.AUDIT_CHANGED, user=by, target=current, details=_audit_details(current, changed))
    return current


def channel_delete(*, channel: Channel, by, expected_version: int | None = None) -> None:
    with transaction.atomic(), change_context(by=by, source=ChangeSource.MANUAL):
        current = lock_one(Channel, channel.pk)
        check_version(current, expected_version, label=current.name)
        record(choices.AUDIT_DELETED, user=by, target=current, details=_audit_details(current, []))
        current.delete()


def _audit_details(channel: Channel, changed: list[str]) -> dict:
    """What the audit log keeps: the names of the fields changed (never the secret's or the address's value), the
    masked address, the owner."""
    return {
        "changed": sorted(changed),
        "kind": channel.kind,
        "url": channel.url_display,
        "secret_set": bool(channel.secret),
        "region_id": channel.region_id,
        "owner_id": channel.owner_id,
        "active": channel.active,
    }


# -- announcing -----------------------------------------------------------------------------------------------


def active_channels(*, region_ids=(), user_ids=()):
    q = Q(pk__in=[])
    if region_ids:
        q |= Q(region_id__in=sorted({int(r) for r in region_ids if r}))
    if user_ids:
        q |= Q(owner_id__in=sorted({int(u) for u in user_ids if u}), owner__is_active=True)
    return Channel.objects.filter(q, active=True).order_by("pk")


def announce(
    *, region_ids=(), user_ids=(), title: str, text: str, url: str = "", label: str = "", caused_by=None
) -> list[Delivery]:
    """Post `title` and `text` (and a link `label` → `url`: a path of the portal is made absolute with
    PORTAL_BASE_URL) to the active robots of the regions `region_ids` and of the users `user_ids`, each once. Runs in
    the caller's transaction: the deliveries and their tasks exist exactly when the caller's write commits. One
    query when there is no robot; a robot's failure never reaches the caller."""
    if not region_ids and not user_ids:
        return []
    channels = list(active_channels(region_ids=region_ids, user_ids=user_ids).only("pk", "name"))
    if not channels:
        return []
    if url.startswith("/") and settings.PORTAL_BASE_URL:
        url = settings.PORTAL_BASE_URL + url
    with transaction.atomic():
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    channel_id=channel.pk,
                    channel_name=channel.name,
                    title=title[:TITLE_MAX_CHARS],
                    text=text[:TEXT_MAX_CHARS],
                    about_label=label[:200],
                    about_url=url[:500],
                    caused_by=caused_by if getattr(caused_by, "pk", None) else None,
                )
                for channel in channels
            ]
        )
        for delivery in deliveries:
            enqueue(DELIVER_TASK, delivery.pk)
    return deliveries


def channel_test(*, channel: Channel, by) -> Delivery:
    """发送测试消息: a delivery like any other, to this one robot."""
    with transaction.atomic():
        delivery = Delivery.objects.create(
            channel=channel,
            channel_name=channel.name,
            title=_("【产改通】测试消息"),
            text=_("这是一条测试消息：渠道“%(name)s”已可接收产改通的提醒。") % {"name": channel.name},
            caused_by=by,
        )
        enqueue(DELIVER_TASK, delivery.pk)
    return delivery


# -- one attempt of a delivery (the task's work) ------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # the delivery's status after this run ("" when there was nothing to do)
    retry_in: float | None = None  # seconds until the task should run again


def retry_delay(attempts: int) -> float:
    delays = settings.CHANNEL_RETRY_DELAYS or [60.0]
    return delays[min(max(attempts, 1) - 1, len(delays) - 1)]


def _claim_window() -> timedelta:
    return timedelta(seconds=settings.CHANNEL_CONNECT_TIMEOUT + settings.CHANNEL_READ_TIMEOUT + 10)


def delivery_attempt(*, delivery_id: int, now=None) -> Outcome:
    """Post a pending delivery once. Idempotent: a short transaction locks the row, leaves a delivery already final
    alone, waits for another worker's claim, else counts the attempt and claims it; the POST runs after commit,
    under no lock; a second short transaction records the answer. A task delivered twice therefore posts once,
    unless the first worker died between its POST and recording the answer (then the claim expires and the message
    may go twice: at least once, never silently lost)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = lock_first(Delivery.objects.select_related("channel"), pk=delivery_id)
        if delivery is None or delivery.status in choices.FINAL_STATUSES:
            return Outcome(delivery.status if delivery else "")
        if delivery.sending_until and delivery.sending_until > now:
            return Outcome(delivery.status, retry_in=(delivery.sending_until - now).total_seconds() + 1)
        channel = delivery.channel
        if channel is None or not channel.active:
            return _finish(delivery, DeliveryStatus.FAILED, error=_("渠道已删除或停用，未发送。"))
        delivery.attempts += 1
        delivery.sending_until = now + _claim_window()
        delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "sending_until", "next_attempt_at", "updated_at"])
        kind, url, secret = channel.kind, channel.webhook_url, channel.secret
    body = webhooks.body_for(
        kind, title=delivery.title, text=delivery.text, label=delivery.about_label, url=delivery.about_url
    )
    target = webhooks.signed_url(url, secret) if kind == ChannelKind.DINGTALK else url
    answer = webhooks.post(target, body)
    with transaction.atomic():
        delivery = lock_one(Delivery, delivery_id)
        delivery.last_status = answer.http_status
        delivery.last_errcode = answer.errcode
        delivery.last_error = answer.error[:500]
        delivery.sending_until = None
        if answer.outcome == "sent":
            delivery.sent_at = timezone.now()
            return _finish(delivery, DeliveryStatus.SENT)
        if answer.outcome == "failed":
            return _finish(delivery, DeliveryStatus.FAILED)
        if delivery.attempts >= settings.CHANNEL_MAX_ATTEMPTS:
            return _finish(delivery, DeliveryStatus.GAVE_UP)
        delay = retry_delay(delivery.attempts)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        delivery.save()
        return Outcome(delivery.status, retry_in=delay)


def _finish(delivery: Delivery, status: str, *, error: str = "") -> Outcome:
    delivery.status = status
    if error:
        delivery.last_error = error[:500]
    delivery.sending_until = None
    delivery.next_attempt_at = None
    delivery.save()
    return Outcome(status)
