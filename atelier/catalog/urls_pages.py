from django.urls import path, re_path

from . import views, views_synonyms

# Included under the `catalog` namespace at /resources/ (see urls.py; `catalog:list` is search's).
urlpatterns = [
    path("new/", views.resource_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("moderation/", views.moderation, name="moderation"),
    path("provider/<int:org_id>/", views.provider, name="provider"),
    path("synonyms/", views_synonyms.synonym_list, name="synonyms"),
    path("synonyms/<int:pk>/", views_synonyms.synonym_edit, name="synonym"),
    path("synonyms/<int:pk>/active/", views_synonyms.synonym_active, name="synonym_active"),
    path("synonyms/<int:pk>/delete/", views_synonyms.synonym_delete, name="synonym_delete"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/edit/", views.resource_edit, name="edit"),
    path("<int:pk>/attachment/", views.policy_attachment, name="attachment"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<event>submit|publish|reject|archive|restore|confirm)/$",
        views.resource_transition,
        name="transition",
    ),
]
