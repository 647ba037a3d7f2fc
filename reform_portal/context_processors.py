from django.utils.functional import SimpleLazyObject

from .access import menu_for


def menu(request):
    """`menu.enterprises`, `menu.dashboard`, … : what the navigation and shared templates offer this user, decided by
    reform_portal.access (templates compare no roles). Lazy: a page that shows no menu reads no access."""
    return {"menu": SimpleLazyObject(lambda: menu_for(request.user))}
