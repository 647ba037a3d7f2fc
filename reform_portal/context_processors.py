from .access import role_of


def role(request):
    return {"portal_role": role_of(request.user) if request.user.is_authenticated else None}
