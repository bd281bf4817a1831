from django.urls import include, path

from . import views_search

app_name = "catalog"
urlpatterns = [
    path("", views_search.results, name="list"),
    path("", include("atelier.catalog.urls_pages")),
    path("", include("atelier.catalog.urls_import")),
]
