"""What a user is told when the credit code they register is already taken: which enterprise holds it, with a
link, when the user may see that enterprise; otherwise a neutral refusal that does not reveal whether the code is
registered in another province or outside their charge (issue 11, finding 10). The page form, the API and
the register's services (a code registered by someone else between the checks and the save) use it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reform_portal.access import EnterprisePolicy

from .credit_code import normalise_credit_code
from .models import Enterprise

NEUTRAL = gettext_noop("该统一社会信用代码无法登记，请核对后重试；如确认无误，请联系省总工会。")


def credit_code_taken(*, user, code: str, exclude_pk: int | None = None) -> tuple[str, Enterprise | None] | None:
    """None when `code` is free; else (message, the enterprise holding it if `user` may see it, else None)."""
    code = normalise_credit_code(code)
    if not code:
        return None
    taken = Enterprise.objects.filter(credit_code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if not taken.exists():
        return None
    seen = EnterprisePolicy.visible(user, Enterprise.objects.filter(pk__in=taken.values("pk"))).first()
    if seen is None:
        return _(NEUTRAL), None
    return _("该统一社会信用代码已由“%(name)s”登记。") % {"name": seen.name}, seen
