from django.contrib import admin

from .models import Booking, Closure, InstrumentSchedule, Qualification, Usage, Violation


@admin.register(InstrumentSchedule)
class InstrumentScheduleAdmin(admin.ModelAdmin):
    list_display = ["resource", "requires_approval", "requires_qualification", "fee_basis"]
    raw_id_fields = ["resource"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["resource", "kind", "start", "end", "reason"]
    list_filter = ["kind"]
    raw_id_fields = ["resource"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["resource", "user", "granted_by", "granted_at"]
    raw_id_fields = ["resource", "user", "granted_by"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-only: bookings change through the actions (workflow and history)."""

    list_display = ["resource", "user", "start", "end", "status", "price_group"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register([Usage, Violation])
