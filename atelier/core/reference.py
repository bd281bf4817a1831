"""Load the code lists of core/codes.py into the reference tables (idempotent)."""

from . import codes


def sync_reference_data(apps=None) -> None:
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    District = apps.get_model("core", "District")
    Industry = apps.get_model("core", "Industry")
    EnterpriseTag = apps.get_model("core", "EnterpriseTag")
    try:
        Cluster = apps.get_model("core", "Cluster")
    except LookupError:  # migration 0002 runs before the Cluster table exists
        Cluster = None
    rows = list(codes.WENZHOU_DISTRICTS) + [(codes.OUTSIDE_CODE, codes.OUTSIDE_NAME, "Outside")]
    for sort, (code, name, name_en) in enumerate(rows, start=1):
        short = name if name == codes.OUTSIDE_NAME else name[:-1]
        District.objects.update_or_create(
            code=code, defaults=dict(name=name, short_name=short, name_en=name_en, sort=sort)
        )
    for code, name, parent, cluster in codes.INDUSTRIES:
        Industry.objects.update_or_create(
            code=code, defaults=dict(name=name, parent_id=parent, cluster=cluster)
        )
    if Cluster is not None:
        for sort, (code, name) in enumerate(codes.CLUSTERS, start=1):
            Cluster.objects.update_or_create(code=code, defaults=dict(name=name, sort=sort))
    for code, name in codes.ENTERPRISE_TAGS:
        EnterpriseTag.objects.update_or_create(code=code, defaults=dict(name=name))
