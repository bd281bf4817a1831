from django.urls import include, path

app_name = "kpi"

urlpatterns = [
    path("", include("atelier.kpi.urls_plans")),
    path("", include("atelier.kpi.urls_files")),
    path("cockpit/", include("atelier.kpi.urls_cockpit")),
]
