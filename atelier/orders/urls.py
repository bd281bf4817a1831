from django.urls import path

from . import views, views_orders, views_waitlist

app_name = "orders"

urlpatterns = [
    path("", views.instrument_list, name="list"),
    path("instruments/<int:pk>/", views.instrument, name="instrument"),
    path("instruments/<int:pk>/book/", views.book, name="book"),
    path("bookings/", views.mine, name="mine"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("bookings/<int:pk>/move/", views_waitlist.move, name="move"),
    path("instruments/<int:pk>/waitlist/", views_waitlist.waitlist, name="waitlist"),
    path("manage/", views.queue, name="queue"),
    path("manage/<int:pk>/<str:event>/", views.manage, name="manage"),
    path("utilisation/", views.utilisation, name="utilisation"),
    path("orders/", views_orders.order_list, name="orders"),
    path("orders/new/", views_orders.order_new, name="order_new"),
    path("orders/<int:pk>/", views_orders.order_detail, name="order"),
    path("orders/<int:pk>/do/<slug:event>/", views_orders.order_do, name="order_do"),
    path("orders/<int:pk>/files/<int:mid>/", views_orders.deliverable, name="deliverable"),
]

from . import views_feeslip  # noqa: E402

urlpatterns += [
    path("bookings/<int:pk>/fee-slip/", views_feeslip.fee_slip, name="fee_slip"),
]

from . import views_calendar  # noqa: E402

urlpatterns += [
    path("instruments/<int:pk>/month/", views_calendar.instrument_month, name="instrument_month"),
    path("labs/<int:pk>/month/", views_calendar.lab_month, name="lab_month"),
]
