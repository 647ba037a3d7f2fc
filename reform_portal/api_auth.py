from rest_framework.authtoken.views import ObtainAuthToken


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get `{"token": …}` to send as `Authorization: Token …`."""
