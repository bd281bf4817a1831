from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("soon/<slug:slug>/", views.coming_soon, name="soon"),
    path("workspace/", views.workspace, name="workspace"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
