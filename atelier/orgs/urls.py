from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_list, name="list"),
    path("register/", views.org_register, name="register"),
    path("review/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/verify/", views.org_transition, {"event": "verify"}, name="verify"),
    path("<int:pk>/reject/", views.org_transition, {"event": "reject"}, name="reject"),
    path("<int:pk>/resubmit/", views.org_transition, {"event": "resubmit"}, name="resubmit"),
    path("<int:pk>/licence/", views.org_licence, name="licence"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path(
        "invitations/<int:pk>/accept/",
        views.invitation_transition,
        {"event": "accept"},
        name="invitation_accept",
    ),
    path(
        "invitations/<int:pk>/decline/",
        views.invitation_transition,
        {"event": "decline"},
        name="invitation_decline",
    ),
    path(
        "invitations/<int:pk>/revoke/",
        views.invitation_transition,
        {"event": "revoke"},
        name="invitation_revoke",
    ),
    path("members/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
]
