"""`{% faq_beside measure %}`: the 常见问题 of a measure the user sees, beside it (an enterprise's measures, the
self-assessment form). The first call of a page reads the entries of every measure the page may show in one query
(selectors.faq_beside), kept on the request."""

from django import template

from ..selectors import faq_beside as entries_beside

register = template.Library()

_MEMO = "_faq_beside"


@register.inclusion_tag("consultations/partials/faq_beside.html", takes_context=True)
def faq_beside(context, measure):
    request = context.get("request")
    user = getattr(request, "user", None)
    if measure is None or user is None or not user.is_authenticated:
        return {"entries": [], "measure": measure}
    memo = getattr(request, _MEMO, None)
    if memo is None:
        memo = entries_beside(user=user)
        setattr(request, _MEMO, memo)
    return {"entries": memo.get(measure.pk, []), "measure": measure}
