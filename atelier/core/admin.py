from django.contrib import admin

from .models import AuditEntry, District, EnterpriseTag, Industry, Notification, StatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to sysadmins, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "verb", "object_repr", "note"]
    list_filter = ["verb", "content_type"]
    search_fields = ["actor_label", "verb", "object_repr", "note"]
    date_hierarchy = "at"


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "event", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "event"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "cluster"]
    list_filter = ["cluster"]
    search_fields = ["code", "name"]


@admin.register(EnterpriseTag)
class EnterpriseTagAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "title", "read_at"]
    raw_id_fields = ["user"]
