"""Bulk import and export of the resource library (included under the `catalog` namespace at
/resources/)."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("import/", views_import.import_view, name="import"),
    path("import/confirm/", views_import.import_confirm, name="import_confirm"),
    path("import/errors/", views_import.import_errors, name="import_errors"),
    path("import/template/", views_import.import_template, name="import_template"),
    path("export/", views_import.export_view, name="export"),
]
