from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from atelier.core.admin import ReadOnlyAdmin

from .models import ApiToken, LoginAttempt, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "mobile", "email", "role", "district", "is_active"]
    list_filter = ["role", "district", "is_active", "is_staff"]
    search_fields = ["username", "name", "mobile", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("平台"), {"fields": ("name", "mobile", "role", "district")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("平台"), {"fields": ("name", "mobile", "role", "district")}),
    )


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ["at", "identifier", "ip", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["identifier", "ip"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "hint", "created_at", "last_used_at", "revoked_at"]
