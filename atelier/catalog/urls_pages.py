from django.urls import path, re_path

from . import views

# Included under the `catalog` namespace at /resources/ (see urls.py; `catalog:list` is search's).
urlpatterns = [
    path("new/", views.resource_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("moderation/", views.moderation, name="moderation"),
    path("provider/<int:org_id>/", views.provider, name="provider"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/edit/", views.resource_edit, name="edit"),
    path("<int:pk>/attachment/", views.policy_attachment, name="attachment"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<event>submit|publish|reject|archive|restore|confirm)/$",
        views.resource_transition,
        name="transition",
    ),
]
