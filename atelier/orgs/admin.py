from django.contrib import admin

from .models import Invitation, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "district", "status", "created_at"]
    list_filter = ["kind", "status", "district"]
    search_fields = ["name", "credit_code"]
    filter_horizontal = ["industries", "tags"]
    inlines = [MembershipInline]
    # Verification goes through the workflow (status history + audit), never a raw field edit.
    readonly_fields = ["status", "verified_at", "created_by", "created_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["organization", "contact", "role", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "accepted_by"]
