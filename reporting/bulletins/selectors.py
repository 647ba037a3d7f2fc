"""Reads of bulletins: those a user sees (the archive: issued ones, and the drafts of the scopes they manage), and
the scopes (a province, or one of its prefectures) a user may make one for."""

from enterprises.choices import RegionLevel
from enterprises.models import Region
from reform_portal.access import BulletinPolicy

from .models import Bulletin

BULLETINS_SHOWN = 200  # a province issues one a month or so


def bulletins_visible(user):
    return BulletinPolicy.visible(user, Bulletin.objects.select_related("province", "prefecture", "created_by"))


def scopes_for(user) -> list[Region]:
    """The provinces (with a policy document) and prefectures whose bulletins `user` makes, by code."""
    regions = Region.objects.filter(level__in=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE))
    regions = BulletinPolicy.managed_regions(user, regions)
    return [r for r in regions.order_by("code") if r.level == RegionLevel.PREFECTURE or r.documents.exists()]
