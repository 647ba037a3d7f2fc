"""Which measures apply to which enterprise: the one place that decides.

A document applies to the enterprises of its province; one whose `applies_to` is
`state_owned` only to state-owned enterprises under a state-asset body (国有独资, 国有控股,
国有参股/混合所有制 with a supervision level). Of a document's measures, those addressed to the
enterprise or its leadership are tracked per enterprise; those addressed to the authorities
stay in the catalogue only.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from enterprises.choices import STATE_OWNERSHIPS, SupervisionLevel
from enterprises.models import Enterprise

from .choices import AppliesTo
from .models import Measure, PolicyDocument


def document_applies_to(document: PolicyDocument, enterprise: Enterprise) -> bool:
    if enterprise.region.parent_id != document.province_id:
        return False
    if document.applies_to == AppliesTo.STATE_OWNED:
        return enterprise.is_state_owned
    return True


def _state_owned_q(prefix: str = "") -> Q:
    # The ORM twin of Enterprise.is_state_owned.
    state_ownership = Q(**{f"{prefix}ownership__in": STATE_OWNERSHIPS})
    return state_ownership & ~Q(**{f"{prefix}supervision_level": SupervisionLevel.NONE})


def applies_q(document: PolicyDocument, prefix: str = "") -> Q:
    """Q for the enterprises `document` applies to, over the enterprise fields under `prefix` (its region, ownership
    and supervision level only, so that it also filters rows keyed by those fields, such as reporting's tallies)."""
    q = Q(**{f"{prefix}region__parent_id": document.province_id})
    if document.applies_to == AppliesTo.STATE_OWNED:
        q &= _state_owned_q(prefix)
    return q


def has_applicable_measures_q(prefix: str = "") -> Q:
    """Q for the enterprises (under `prefix`) that at least one tracked measure applies to: the twin, over a
    queryset, of `applicable_measures(enterprise).exists()`. Without a query of its own (a correlated EXISTS)."""
    measures = Measure.objects.tracked().filter(document__province_id=OuterRef(f"{prefix}region__parent_id"))
    return Q(Exists(measures.filter(document__applies_to=AppliesTo.ALL_ENTERPRISES))) | (
        _state_owned_q(prefix) & Q(Exists(measures.filter(document__applies_to=AppliesTo.STATE_OWNED)))
    )


def enterprises_for_document(document: PolicyDocument) -> QuerySet:
    return Enterprise.objects.filter(applies_q(document))


def documents_for(enterprise: Enterprise) -> QuerySet:
    docs = PolicyDocument.objects.filter(province_id=enterprise.region.parent_id)
    if not enterprise.is_state_owned:
        docs = docs.exclude(applies_to=AppliesTo.STATE_OWNED)
    return docs


def applicable_measures(enterprise: Enterprise) -> QuerySet:
    return (
        Measure.objects.tracked().filter(document__in=documents_for(enterprise)).select_related("document", "section")
    )
