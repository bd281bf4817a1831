"""The cockpit's URLs (names live in the "kpi" namespace)."""

from django.urls import path

from . import views_cockpit

urlpatterns = [
    path("", views_cockpit.cockpit_view, name="cockpit"),
    path("screen/", views_cockpit.cockpit_screen_view, name="cockpit_screen"),
    path("data/", views_cockpit.cockpit_data_view, name="cockpit_data"),
]
