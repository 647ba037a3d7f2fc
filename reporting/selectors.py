"""Province-level figures read by the home pages (the dashboard issue replaces these with rollups)."""

from django.db.models import Avg, Count, Q

from measures.choices import DONE_STATUSES, Status
from measures.models import PolicyDocument, Progress
from reform_portal.access import EnterprisePolicy


def summary_by_document(*, user) -> list[dict]:
    """Per document: enterprises, measure records per status, completion rate and mean percent."""
    progress = EnterprisePolicy.visible(user, Progress.objects.all(), prefix="enterprise__")
    rows = (
        progress.values("measure__document")
        .annotate(
            enterprises=Count("enterprise", distinct=True),
            records=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
            not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            mean_percent=Avg("percent"),
        )
        .order_by("measure__document")
    )
    documents = PolicyDocument.objects.in_bulk([r["measure__document"] for r in rows])
    result = []
    for r in rows:
        r["document"] = documents[r["measure__document"]]
        r["completion_rate"] = r["done"] / r["records"] if r["records"] else 0
        result.append(r)
    return result
