from django.urls import path

from . import views, views_brokers, views_dockings, views_stats

app_name = "demands"

urlpatterns = [
    path("", views.hall, name="list"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_queue, name="review"),
    path("match/", views.match_preview, name="match_preview"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("weights/", views.weights, name="weights"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/translate/", views.translate, name="translate"),
    path("<int:pk>/broker/", views.assign_broker, name="assign_broker"),
    path("<int:pk>/dock/", views_dockings.start, name="start_docking"),
    path("<int:pk>/interest/", views_dockings.interest, name="interest"),
    path("<int:pk>/attachments/<int:aid>/", views.attachment, name="attachment"),
    path("<int:pk>/do/<slug:event>/", views.transition, name="transition"),
    path("dockings/", views_dockings.dockings, name="dockings"),
    path("dockings/<int:pk>/", views_dockings.docking, name="docking"),
    path("dockings/<int:pk>/note/", views_dockings.note, name="docking_note"),
    path(
        "dockings/<int:pk>/do/<slug:event>/", views_dockings.transition, name="docking_transition"
    ),
    path("brokers/", views_brokers.brokers, name="brokers"),
    path("brokers/<int:pk>/", views_brokers.broker, name="broker"),
    path("brokers/<int:pk>/reward/", views_brokers.reward, name="broker_reward"),
    path("stats/", views_stats.stats, name="stats"),
    path("stats/export.xlsx", views_stats.stats_xlsx, name="stats_xlsx"),
]
