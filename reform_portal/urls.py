from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("reform_portal.api_urls")),
    path("", include("reform_portal.portal_urls")),
]
handler404 = "reform_portal.views.not_found"  # JSON under /api/, the portal's page elsewhere
# MEDIA_ROOT is never served directly, not even with DEBUG: evidence files go out only through
# views that check who may see the enterprise.
