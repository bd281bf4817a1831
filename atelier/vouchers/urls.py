from django.urls import path

from . import views, views_claims, views_finance, views_notice, views_review, views_stats

app_name = "vouchers"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/rules/", views.rules_publish, name="rules"),
    path("programmes/<int:pk>/enrol/", views.enrol, name="enrol"),
    path(
        "programmes/<int:pk>/enrolments/<int:eid>/<slug:decision>/",
        views.enrolment_decide,
        name="enrolment_decide",
    ),
    path("programmes/<int:pk>/apply/", views.apply, name="apply"),
    path("programmes/<int:pk>/apply/check/", views.apply_check, name="apply_check"),
    path("programmes/<int:pk>/batch/", views_finance.batch_create, name="batch_create"),
    path("mine/", views.mine, name="mine"),
    path("v/<int:pk>/", views.voucher_detail, name="voucher"),
    path("v/<int:pk>/quote/", views.quote, name="quote"),
    path("v/<int:pk>/reserve/", views.reserve, name="reserve"),
    path("uses/<int:pk>/claim/", views_claims.claim_submit, name="claim_submit"),
    path("uses/<int:pk>/<slug:event>/", views.use_event, name="use_event"),
    path("provider/", views_claims.provider, name="provider"),
    path("claims/", views_claims.claim_list, name="claims"),
    path("claims/<int:pk>/", views_claims.claim_detail, name="claim"),
    path("claims/<int:pk>/review/", views_claims.claim_review, name="claim_review"),
    path("claims/<int:pk>/documents/<int:did>/", views_claims.document, name="document"),
    path("review/", views_review.review, name="review"),
    path("review/bulk/", views_review.bulk_approve, name="bulk_approve"),
    path("review/claims/", views_review.review_claims, name="review_claims"),
    path("applications/<int:pk>/", views_review.application_detail, name="application"),
    path(
        "applications/<int:pk>/<slug:decision>/",
        views_review.application_decide,
        name="application_decide",
    ),
    path("finance/", views_finance.finance, name="finance"),
    path("finance/batches/<int:pk>/", views_finance.batch_detail, name="batch"),
    path("finance/batches/<int:pk>/export.xlsx", views_finance.batch_xlsx, name="batch_xlsx"),
    path("finance/batches/<int:pk>/<slug:event>/", views_finance.batch_event, name="batch_event"),
    path("ledger/", views_finance.ledger_page, name="ledger"),
    path("stats/", views_stats.stats_page, name="stats"),
    path("stats/export.xlsx", views_stats.stats_xlsx, name="stats_xlsx"),
    path("notice/", views_notice.notice, name="notice"),
]
