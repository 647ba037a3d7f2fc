"""`{% enterprise_pilots enterprise %}`: the enterprise page's panel of its designations, funds and the button to
designate it (for those allowed), in one line of the enterprise's template."""

from django import template

from reform_portal.access import PilotPolicy

from ..selectors import enterprise_designations

register = template.Library()


@register.inclusion_tag("pilots/enterprise_pilots.html", takes_context=True)
def enterprise_pilots(context, enterprise):
    user = context["request"].user
    return {
        "enterprise": enterprise,
        "pilots": enterprise_designations(user=user, enterprise=enterprise),
        "can_designate": PilotPolicy.can(user, PilotPolicy.DESIGNATE, enterprise),
    }
