from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sitroom.core import api as core_api
from sitroom.core import views as core_views

handler404 = "sitroom.core.views.not_found"

api_v1: list[URLPattern | URLResolver] = [
    path("me", core_api.me, name="api-me"),
    path("", include("sitroom.reports.api_urls")),
    path("", include("sitroom.cases.api_urls")),
    path("", include("sitroom.factchecks.api_urls")),
    path("", include("sitroom.monitoring.api_urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # The admin signs in through the accounts page (rate-limited, then the second factor).
    path(
        "admin/login/",
        RedirectView.as_view(url="/accounts/login/", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("sitroom.accounts.urls")),
    path("accounts/", include("sitroom.audit.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Each app names its own full paths (e.g. "report/", "track/<code>/", "register/").
    path("", include("sitroom.reports.urls")),
    path("", include("sitroom.cases.urls")),
    path("", include("sitroom.factchecks.urls")),
    path("", include("sitroom.monitoring.urls")),
    path("", include("sitroom.core.urls")),
]
