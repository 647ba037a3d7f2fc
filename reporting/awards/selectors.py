"""Reads of award rounds: the rounds a user sees, the latest decision per candidate, the confirmed list."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.utils import timezone

from enterprises.models import Region
from reform_portal.access import AwardPolicy

from .choices import Decision
from .models import AwardCandidateDecision, AwardRound
from .ranking import shortlist

ROUNDS_SHOWN = 200  # a province makes a few rounds a year
PAGE_SIZE = 50  # candidates of a prefecture per page (page and API)


def rounds_visible(user):
    return AwardPolicy.visible(user, AwardRound.objects.select_related("province", "created_by"))


def prefectures_shown(user, award_round) -> list:
    """The prefectures of the round's province whose part `user` reads, by code (one query)."""
    qs = Region.objects.filter(parent_id=award_round.province_id)
    ids = AwardPolicy.prefecture_ids(user, award_round)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("code"))


def confirmed_prefecture_ids(award_round) -> set[int]:
    """The prefectures with at least one enterprise whose latest decision is a confirmation (one query): the only
    ones the export needs to rank."""
    latest = (
        AwardCandidateDecision.objects.filter(round=award_round)
        .order_by("enterprise_id", "-at", "-id")
        .distinct("enterprise_id")
        .values("pk")
    )
    return set(
        AwardCandidateDecision.objects.filter(pk__in=latest, decision=Decision.CONFIRM)
        .values_list("enterprise__region_id", flat=True)
        .distinct()
    )


def latest_decisions(award_round, enterprise_ids=None) -> dict[int, AwardCandidateDecision]:
    """{enterprise id: its latest decision} (one query), for `enterprise_ids` when given (a page's)."""
    rows = AwardCandidateDecision.objects.filter(round=award_round)
    if enterprise_ids is not None:
        rows = rows.filter(enterprise_id__in=list(enterprise_ids))
    rows = rows.select_related("by").order_by("enterprise_id", "-at", "-id").distinct("enterprise_id")
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


@dataclass
class ShortlistPage:
    """One prefecture's part of a round's shortlist, one page of its candidates (each with its latest decision)."""

    prefectures: list  # the prefectures whose part the user reads, by code
    prefecture: Region | None  # the one shown (None: the user reads none)
    page: Page  # of ranking.Candidate, by rank
    excluded: list  # ranking.Excluded of that prefecture
    quota: int
    as_of: datetime  # when it was computed: the record as it stood then


def shortlist_page(user, award_round, *, prefecture_code=None, page_number=None) -> ShortlistPage:
    """The shortlist as a request shows it, bounded: ranks within a prefecture do not depend on the others, so only
    the prefecture asked for (else the user's first) is ranked (ranking.shortlist, a constant number of queries),
    and only the page's candidates are read with their decisions."""
    prefectures = prefectures_shown(user, award_round)
    prefecture = next((p for p in prefectures if p.code == prefecture_code), prefectures[0] if prefectures else None)
    as_of = timezone.now()
    ranked, excluded = shortlist(award_round, [prefecture.pk]) if prefecture else ({}, [])
    page = Paginator(ranked.get(prefecture, []), PAGE_SIZE).get_page(page_number)
    decisions = latest_decisions(award_round, [c.enterprise.pk for c in page])
    for candidate in page:
        candidate.decision = decisions.get(candidate.enterprise.pk)
    quota = int(award_round.quota.get(prefecture.code, 0)) if prefecture else 0
    return ShortlistPage(prefectures, prefecture, page, excluded, quota, as_of)
