"""Plans, reporting, review and assessment pages (names live in the "kpi" namespace)."""

from django.urls import path

from . import views_plans as v

urlpatterns = [
    path("", v.plan_list, name="plans"),
    path("plans/new/", v.plan_new, name="plan_new"),
    path("plans/<int:pk>/", v.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", v.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/activate/", v.plan_activate, name="plan_activate"),
    path("plans/<int:pk>/close/", v.plan_close, name="plan_close"),
    path("rows/<int:row>/remove/", v.row_remove, name="row_remove"),
    path("rows/<int:row>/report/<int:year>/", v.report_new, name="report_new"),
    path("rows/<int:row>/annotate/<int:year>/", v.annotate, name="annotate"),
    path("reports/", v.report_list, name="reports"),
    path("reports/<int:pk>/", v.report_detail, name="report"),
    path("evidence/<int:pk>/", v.evidence_file, name="evidence"),
    path("plans/<int:pk>/assess/<int:year>/<str:line>/", v.assessment, name="assessment"),
    path("indicators/", v.indicator_list, name="indicators"),
]
