from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from enterprises.selectors import enterprises_in_charge
from measures.selectors import progress_grouped
from reporting.selectors import summary_by_document

from .access import ADMIN, ENTERPRISE, OFFICER, SASAC, profile_of, role_of


@login_required
def home(request):
    """One home page per role."""
    user = request.user
    role = role_of(user)
    if role == ENTERPRISE:
        enterprise = profile_of(user).enterprise
        return render(
            request,
            "home_enterprise.html",
            {"enterprise": enterprise, "grouped": progress_grouped(enterprise=enterprise)},
        )
    if role in (OFFICER, ADMIN, SASAC):
        enterprises = enterprises_in_charge(user=user).order_by("done_count", "name")
        context = {
            "summary": summary_by_document(user=user),
            "enterprises": enterprises[:20],
            "enterprise_count": enterprises.count(),
            "province": profile_of(user).province if role == SASAC else None,
        }
        return render(request, f"home_{role}.html", context)
    return render(request, "home_norole.html", status=403)
