"""The robots' pages: one's robots and the regions' one manages, add / change / delete, 发送测试消息, and 发送记录
(docs/channels.md). Access: reform_portal.access.ChannelPolicy (out of reach: 404; no robots at all: 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reform_portal.access import ChannelPolicy
from reform_portal.versioning import StaleEdit

from . import selectors, services
from .forms import MINE, ChannelForm
from .models import Channel

PAGE_SIZE = 50


def _may_manage(request) -> None:
    if not ChannelPolicy.can(request.user, ChannelPolicy.MANAGE):
        raise PermissionDenied


def _channel(request, pk) -> Channel:
    _may_manage(request)
    return get_object_or_404(ChannelPolicy.visible(request.user, Channel.objects.all()), pk=pk)


def _field_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def channel_list(request):
    _may_manage(request)
    channels = list(ChannelPolicy.visible(request.user, Channel.objects.select_related("owner")).order_by("name", "pk"))
    names = ChannelPolicy.region_names(c.region_id for c in channels)
    for channel in channels:
        channel.region_name = names.get(channel.region_id, "")
    return render(request, "channels/channel_list.html", {"channels": channels})


@login_required
def channel_create(request):
    _may_manage(request)
    choices = ChannelPolicy.region_choices(request.user)
    form = ChannelForm(request.POST or None, region_choices=choices)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        region_id = None if owner == MINE else int(owner)
        if region_id is not None and not ChannelPolicy.may_own_region(request.user, region_id):
            raise PermissionDenied
        try:
            services.channel_create(
                data=form.channel_data(),
                by=request.user,
                region_id=region_id,
                owner=request.user if region_id is None else None,
            )
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("已添加推送渠道。可点击“发送测试消息”检查是否能收到。"))
            return redirect("channels:list")
    return render(request, "channels/channel_form.html", {"form": form, "channel": None})


@login_required
def channel_edit(request, pk):
    channel = _channel(request, pk)
    form = ChannelForm(request.POST or None, channel=channel, initial=_initial(channel))
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_update(
                channel=channel,
                data=form.channel_data(),
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            stale = exc
            form = ChannelForm(channel=exc.current, initial=_initial(exc.current))
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("channels:list")
    return render(request, "channels/channel_form.html", {"form": form, "channel": channel, "stale": stale})


def _initial(channel: Channel) -> dict:
    return {"kind": channel.kind, "name": channel.name, "active": channel.active, "version": channel.version}


@login_required
@require_POST
def channel_delete(request, pk):
    channel = _channel(request, pk)
    services.channel_delete(channel=channel, by=request.user)
    messages.success(request, _("已删除推送渠道“%(name)s”。") % {"name": channel.name})
    return redirect("channels:list")


@login_required
@require_POST
def channel_test(request, pk):
    channel = _channel(request, pk)
    services.channel_test(channel=channel, by=request.user)
    messages.success(request, _("测试消息已排队发送，结果见下表。"))
    return redirect(f"{_deliveries_url()}?channel={channel.pk}")


def _deliveries_url() -> str:
    from django.urls import reverse

    return reverse("channels:deliveries")


@login_required
def delivery_list(request):
    deliveries = selectors.deliveries_visible(user=request.user)
    channel_id = request.GET.get("channel", "")
    if channel_id.isdecimal() and len(channel_id) < 19:
        deliveries = deliveries.filter(channel_id=int(channel_id))
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "channels/delivery_list.html", {"page": page, "channel_id": channel_id})
