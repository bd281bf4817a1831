from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from atelier.api import api

admin.site.site_header = _("Atelier 系统管理")
admin.site.site_title = "Atelier"

urlpatterns = [
    path("", include("atelier.portal.urls")),
    path("accounts/", include("atelier.accounts.urls")),
    path("orgs/", include("atelier.orgs.urls")),
    path("resources/", include("atelier.catalog.urls")),
    path("demands/", include("atelier.demands.urls")),
    path("vouchers/", include("atelier.vouchers.urls")),
    path("services/", include("atelier.orders.urls")),
    path("reports/", include("atelier.reports.urls")),
    path("kpi/", include("atelier.kpi.urls")),
    path("core/", include("atelier.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
