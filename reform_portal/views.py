from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from enterprises.selectors import enterprises_visible
from measures.selectors import progress_grouped
from reporting.selectors import lagging_in_charge, summary_by_document

from .access import EnterprisePolicy, access_for

HOME_LAGGING_ROWS = 20


@login_required
def home(request):
    """One home page per role (templates/home_<role>.html)."""
    user = request.user
    access = access_for(user)
    enterprise = access.own_enterprise
    if enterprise is not None:
        return render(
            request,
            "home_enterprise.html",
            {"enterprise": enterprise, "grouped": progress_grouped(enterprise=enterprise)},
        )
    if EnterprisePolicy.can(user, EnterprisePolicy.LIST):
        slowest = lagging_in_charge(user=user)  # 推进最慢的企业: those that lag, slowest first
        context = {
            "summary": summary_by_document(user=user),
            "enterprises": slowest[:HOME_LAGGING_ROWS],
            "lagging_count": slowest.count(),
            "enterprise_count": enterprises_visible(user=user).count(),
            "province": access.province,
        }
        return render(request, f"home_{access.role}.html", context)
    return render(request, "home_norole.html", status=403)
