from django import template

from ..models import Assessment
from ..selectors import notices_for_enterprise, period_for_enterprise

register = template.Library()


@register.inclusion_tag("assessments/partials/enterprise_panel.html", takes_context=True)
def assessment_panel(context, enterprise):
    """The enterprise home's panel: the current period, the form's state and the latest reminders."""
    period = period_for_enterprise(enterprise=enterprise) if enterprise else None
    assessment = Assessment.objects.filter(period=period, enterprise=enterprise).first() if period else None
    return {
        "period": period,
        "assessment": assessment,
        "refusal": period.submission_refusal() if period else None,
        "notices": (
            notices_for_enterprise(user=context["request"].user, enterprise=enterprise, period=period) if period else []
        ),
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
