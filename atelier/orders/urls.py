from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.instrument_list, name="list"),
    path("instruments/<int:pk>/", views.instrument, name="instrument"),
    path("instruments/<int:pk>/book/", views.book, name="book"),
    path("bookings/", views.mine, name="mine"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("manage/", views.queue, name="queue"),
    path("manage/<int:pk>/<str:event>/", views.manage, name="manage"),
    path("utilisation/", views.utilisation, name="utilisation"),
]
