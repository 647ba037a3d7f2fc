"""A group's page of grants: which subsidiaries each of its group users (集团用户) fills in for.

Officers in charge of the group's head enterprise or of one of its subsidiaries, and administrators, open it from
the head enterprise; each sees and changes the grants of the subsidiaries in their charge (GroupGrantPolicy), the
others' grants shown but not theirs to change. Writes go through enterprises.group_access, which records them.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from reform_portal.access import EnterprisePolicy, GroupGrantPolicy, descendants_of

from .group_access import grant_log, group_set, group_users
from .models import Enterprise


class GroupGrantForm(forms.Form):
    """One group user's grants as ticked on the page: the subsidiaries wanted, of those the user may change."""

    profile = forms.ModelChoiceField(queryset=None, label=gettext_lazy("集团用户"))
    enterprise = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=gettext_lazy("获准代为填报的子公司")
    )

    def __init__(self, *args, profiles, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = profiles
        # Any enterprise in the user's charge; the service refuses those not below the group's head.
        self.fields["enterprise"].queryset = EnterprisePolicy.visible(user, Enterprise.objects.all())


def _rows(*, user, head, profiles) -> list[dict]:
    """Per group user: every subsidiary the user may grant and every one granted, with what may be changed."""
    related = ("region__parent", "county", "parent")
    choices = list(
        GroupGrantPolicy.below_in_charge(user, head.pk, Enterprise.objects.select_related(*related)).order_by("name")
    )
    below = set(Enterprise.objects.filter(pk__in=descendants_of(head.pk)).values_list("pk", flat=True))
    rows = []
    for profile in profiles:
        granted = list(profile.charge_enterprises.select_related(*related).order_by("name"))
        granted_ids = {e.pk for e in granted}
        revocable = set(
            GroupGrantPolicy.revocable(user, profile, profile.charge_enterprises.all()).values_list("pk", flat=True)
        )
        choice_ids = {e.pk for e in choices}
        entries = [
            {
                "enterprise": e,
                "granted": e.pk in granted_ids,
                "changeable": e.pk in choice_ids or e.pk in revocable,
                "below": e.pk in below,
            }
            for e in sorted([*choices, *(e for e in granted if e.pk not in choice_ids)], key=lambda e: e.name)
        ]
        rows.append({"profile": profile, "entries": entries, "changeable": any(x["changeable"] for x in entries)})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def group_access(request, pk):
    head = get_object_or_404(Enterprise.objects.select_related("region__parent"), pk=pk)
    # Out of scope: the group is none of the user's business (404); in scope but not a grantor: 403.
    if not GroupGrantPolicy.reaches(request.user, head):
        raise Http404
    if not GroupGrantPolicy.can(request.user, GroupGrantPolicy.MANAGE):
        raise PermissionDenied
    profiles = group_users(head=head)
    status, form = 200, None
    if request.method == "POST":
        form = GroupGrantForm(request.POST, profiles=profiles, user=request.user)
        if form.is_valid():
            profile = form.cleaned_data["profile"]
            try:
                added, removed = group_set(
                    by=request.user, profile=profile, enterprises=form.cleaned_data["enterprise"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("已更新 %(user)s 的授权：新增 %(added)s 家，撤销 %(removed)s 家。")
                    % {
                        "user": profile.user.get_full_name() or profile.user.username,
                        "added": len(added),
                        "removed": len(removed),
                    },
                )
                return redirect("enterprises:group_access", head.pk)
        status = 400
    profiles = list(profiles)
    context = {
        "head": head,
        "rows": _rows(user=request.user, head=head, profiles=profiles),
        "form": form,
        "log": grant_log(profiles=profiles),
    }
    return render(request, "enterprises/group_access.html", context, status=status)
