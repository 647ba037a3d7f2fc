"""Reading the inbox: a user's notices, narrowed by the one access policy."""

from django.db.models import QuerySet

from reform_portal.access import NoticeInboxPolicy

from .models import Notice


def notices_of(*, user) -> QuerySet:
    """The user's own notices (anyone else's are out of reach: a 404)."""
    return NoticeInboxPolicy.visible(user, Notice.objects.all())
