"""Reads of the channels, narrowed by the one access policy (reform_portal.access.ChannelPolicy)."""

from reform_portal.access import ChannelPolicy

from .models import Channel, Delivery


def channels_visible(*, user):
    return ChannelPolicy.visible(user, Channel.objects.select_related("owner"))


def deliveries_visible(*, user):
    """The deliveries the user caused and those of the robots they manage, newest first (with who caused them)."""
    return ChannelPolicy.visible_deliveries(user, Delivery.objects.select_related("caused_by")).order_by("-pk")
