"""Assessment report files (names live in the "kpi" namespace)."""

from django.urls import path

from . import views_files as v

urlpatterns = [
    path(
        "plans/<int:pk>/assess/<int:year>/<str:line>/report.pdf",
        v.assessment_pdf,
        name="assessment_pdf",
    ),
    path(
        "plans/<int:pk>/assess/<int:year>/<str:line>/report.xlsx",
        v.assessment_xlsx,
        name="assessment_xlsx",
    ),
]
