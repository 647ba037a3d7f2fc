from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from measures.selectors import progress_grouped
from reform_portal.access import ENTERPRISE, EnterprisePolicy, role_of

from .selectors import enterprises_in_charge, enterprises_visible


@login_required
def enterprise_list(request):
    if role_of(request.user) in (None, ENTERPRISE):
        raise PermissionDenied
    qs = enterprises_in_charge(user=request.user).order_by("region__code", "name")
    query = request.GET.get("q", "").strip()
    if query:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=query) | Q(credit_code__icontains=query.upper()))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "enterprises/enterprise_list.html", {"page": page, "query": query})


@login_required
def enterprise_detail(request, pk):
    enterprise = get_object_or_404(enterprises_visible(user=request.user), pk=pk)
    context = {
        "enterprise": enterprise,
        "grouped": progress_grouped(enterprise=enterprise),
        "can_update": EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, enterprise),
    }
    return render(request, "enterprises/enterprise_detail.html", context)
