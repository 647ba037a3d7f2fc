"""Reads of award rounds: the rounds a user sees, the latest decision per candidate, the confirmed list."""

from reform_portal.access import AwardPolicy

from .choices import Decision
from .models import AwardCandidateDecision, AwardRound

ROUNDS_SHOWN = 200  # a province makes a few rounds a year


def rounds_visible(user):
    return AwardPolicy.visible(user, AwardRound.objects.select_related("province", "created_by"))


def latest_decisions(award_round) -> dict[int, AwardCandidateDecision]:
    """{enterprise id: its latest decision} (one query)."""
    rows = (
        AwardCandidateDecision.objects.filter(round=award_round)
        .select_related("by")
        .order_by("enterprise_id", "-at", "-id")
        .distinct("enterprise_id")
    )
    return {d.enterprise_id: d for d in rows}


def confirmed(award_round, ranked) -> list:
    """The candidates (of `ranked`, as ranking.shortlist gives them) whose latest decision is a confirmation, by
    prefecture and rank."""
    decisions = latest_decisions(award_round)
    return [
        candidate
        for candidates in ranked.values()
        for candidate in candidates
        if (d := decisions.get(candidate.enterprise.pk)) is not None and d.decision == Decision.CONFIRM
    ]
