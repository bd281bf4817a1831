"""Read-only admin views of the demand hall: every change goes through the pages and actions
(which keep the status history, audit trail and notifications), so the admin only looks."""

from django.contrib import admin

from .models import BrokerProfile, BrokerReward, Demand, Docking, DockingNote, MatchWeights


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Demand)
class DemandAdmin(ReadOnlyAdmin):
    list_display = ["title", "type", "enterprise", "status", "visibility", "deadline", "broker"]
    list_filter = ["status", "type", "visibility", "cluster"]
    search_fields = ["title", "description", "enterprise__name"]
    date_hierarchy = "created_at"


class DockingNoteInline(admin.TabularInline):
    model = DockingNote
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Docking)
class DockingAdmin(ReadOnlyAdmin):
    list_display = ["demand", "provider", "status", "initiator", "started_at", "respond_by"]
    list_filter = ["status", "initiator"]
    search_fields = ["demand__title", "provider__name"]
    inlines = [DockingNoteInline]


@admin.register(BrokerProfile)
class BrokerProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "certificate_no", "employer", "active", "registered_on"]
    list_filter = ["active"]


@admin.register(BrokerReward)
class BrokerRewardAdmin(ReadOnlyAdmin):
    list_display = ["broker", "amount_yuan", "reason", "docking", "recorded_at", "recorded_by"]


@admin.register(MatchWeights)
class MatchWeightsAdmin(ReadOnlyAdmin):
    list_display = ["saved_at", "saved_by", *MatchWeights.FIELDS]
