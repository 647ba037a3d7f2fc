"""`{% enterprise_liaisons enterprise %}`: the enterprise page's 产改联络员 box (the active assignments, the form to
assign and the buttons to end, for those allowed) and its latest 直通车 visits, in one line of the enterprise's
template."""

from django import template

from reform_portal.access import LiaisonPolicy

from ..forms import AssignForm
from ..selectors import enterprise_assignments, enterprise_visits
from ..services import assignment_choices

register = template.Library()


@register.inclusion_tag("liaisons/enterprise_liaisons.html", takes_context=True)
def enterprise_liaisons(context, enterprise):
    user = context["request"].user
    can_assign = LiaisonPolicy.can(user, LiaisonPolicy.ASSIGN, enterprise)
    return {
        "enterprise": enterprise,
        "assignments": enterprise_assignments(user=user, enterprise=enterprise),
        "can_assign": can_assign,
        "assign_form": AssignForm(people=assignment_choices(enterprise), auto_id="liaison-%s") if can_assign else None,
        "can_log": LiaisonPolicy.can(user, LiaisonPolicy.LOG, enterprise),
        "visits": enterprise_visits(user=user, enterprise=enterprise),
        "can_see_visits": LiaisonPolicy.can(user, LiaisonPolicy.VISITS),
        "csrf_token": context.get("csrf_token"),
    }
