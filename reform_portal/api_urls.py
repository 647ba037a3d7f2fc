from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("reform_portal.accounts.api_urls")),  # auth/token/, auth/tokens/
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its settings as a script file, not inline (Content-Security-Policy); Swagger UI's page
    # keeps one inline <style> block, allowed on this page only.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            # templates/api/swagger_ui.html: the sidecar's Swagger UI under a bar leading back to the portal.
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
        ),
        name="api-docs",
    ),
    path("", include("enterprises.api.urls")),
    path("", include("measures.api.urls")),
    path("", include("reporting.api.urls")),
    path("", include("reform_portal.channels.api.urls")),  # channels/, deliveries/ (docs/channels.md)
    path("", include("reporting.supervision.api.urls")),  # orders/ (docs/supervision.md)
    path("", include("reform_portal.inbox.api.urls")),  # notices/ (docs/inbox.md)
    path("", include("enterprises.pilots.api.urls")),
    path("", include("enterprises.liaisons.api.urls")),  # liaisons/, visits/ (docs/liaisons.md)
    path("", include("enterprises.consultations.api.urls")),  # questions/, faq/ (docs/consultations.md)
    path("", include("reporting.awards.api.urls")),  # award-rounds/ (docs/awards.md)
    path("", include("reporting.bulletins.api.urls")),  # bulletins/ (docs/bulletins.md)
]
