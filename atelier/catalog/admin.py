from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from atelier.core import audit
from atelier.core.errors import ActionError

from . import actions
from .models import (
    AchievementDetail,
    ExpertDetail,
    InstrumentDetail,
    PartnerDetail,
    PolicyDetail,
    Resource,
    ResourceKind,
    ServiceDetail,
)


class DetailInline(admin.StackedInline):
    extra = 0
    max_num = 1
    can_delete = False
    kind: str = ""


class ServiceDetailInline(DetailInline):
    model = ServiceDetail
    kind = ResourceKind.SERVICE


class ExpertDetailInline(DetailInline):
    model = ExpertDetail
    kind = ResourceKind.EXPERT


class InstrumentDetailInline(DetailInline):
    model = InstrumentDetail
    kind = ResourceKind.INSTRUMENT


class AchievementDetailInline(DetailInline):
    model = AchievementDetail
    kind = ResourceKind.ACHIEVEMENT


class PolicyDetailInline(DetailInline):
    model = PolicyDetail
    kind = ResourceKind.POLICY


class PartnerDetailInline(DetailInline):
    model = PartnerDetail
    kind = ResourceKind.PARTNER


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = [
        "title", "kind", "provider", "district", "status", "voucher_eligible", "price",
        "last_verified_at", "updated_at",
    ]  # fmt: skip
    list_filter = ["kind", "status", "district", "voucher_eligible", "clusters"]
    search_fields = ["title", "external_id", "provider__name", "keywords"]
    list_select_related = ["provider", "district"]
    autocomplete_fields = ["provider"]
    filter_horizontal = ["clusters", "industries"]
    date_hierarchy = "updated_at"
    inlines = [
        ServiceDetailInline, ExpertDetailInline, InstrumentDetailInline, AchievementDetailInline,
        PolicyDetailInline, PartnerDetailInline,
    ]  # fmt: skip
    # Status moves only through the lifecycle (status history + audit), never a raw field edit;
    # the kind decides the detail table, so it is fixed once created.
    readonly_fields = [
        "kind", "status", "published_at", "last_verified_at", "stale_reminded_at", "created_by",
        "created_at", "updated_at",
    ]  # fmt: skip
    actions = ["publish_selected", "archive_selected"]

    def has_add_permission(self, request):
        # Listings are created by their organisations (pages, API, import), which checks the
        # provider's verification; the admin corrects and moderates.
        return False

    def get_inline_instances(self, request, obj=None):
        return [i for i in super().get_inline_instances(request, obj) if obj and i.kind == obj.kind]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit.record(actor=request.user, verb="resource.update", obj=obj, note="管理后台")
        actions.reindex([Resource.objects.select_related("provider").get(pk=obj.pk)])

    def _run(self, request, queryset, action, done):
        ok = 0
        for resource in queryset.select_related("provider"):
            try:
                action(actor=request.user, resource=resource)
            except (ActionError, ValidationError) as exc:
                message = getattr(exc, "message", None) or "；".join(exc.messages)
                self.message_user(request, f"{resource}：{message}", messages.WARNING)
            else:
                ok += 1
        if ok:
            self.message_user(request, done % {"n": ok}, messages.SUCCESS)

    @admin.action(description=_("审核发布所选资源"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self._run(request, queryset, actions.resource_publish, _("已发布 %(n)d 条资源。"))

    @admin.action(description=_("下架所选资源"), permissions=["change"])
    def archive_selected(self, request, queryset):
        self._run(request, queryset, actions.resource_archive, _("已下架 %(n)d 条资源。"))
