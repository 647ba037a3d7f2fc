from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("reform_portal.accounts.urls")),
    path("consultations/", include("enterprises.consultations.urls")),  # 产改直通车 (docs/consultations.md)
    path("enterprises/pilots/", include("enterprises.pilots.urls")),
    path("enterprises/liaisons/", include("enterprises.liaisons.urls")),  # 联络员, 直通车 visits (docs/liaisons.md)
    path("enterprises/", include("enterprises.urls")),
    path("", include("measures.urls")),  # catalogue/… and the measures' pages under enterprises/…
    path("supervision/", include("reporting.supervision.urls")),  # supervision orders (docs/supervision.md)
    path("reporting/awards/", include("reporting.awards.urls")),  # award shortlists (docs/awards.md)
    path("reporting/bulletins/", include("reporting.bulletins.urls")),  # the official bulletin (docs/bulletins.md)
    path("reporting/", include("reporting.urls")),
    path("audit/", include("reform_portal.audit.urls")),
    path("jobs/", include("reform_portal.jobs.urls")),
    path("channels/", include("reform_portal.channels.urls")),  # group robots (docs/channels.md)
    path("inbox/", include("reform_portal.inbox.urls")),  # notices (docs/inbox.md)
]
