"""KPI records in the admin: read-only. Indicators, plans, reported values and assessments change
through `actions` (audit rows, status history, frozen scores), never by editing rows here."""

from django.contrib import admin

from atelier.core.admin import ReadOnlyAdmin

from .models import (
    Annotation,
    Assessment,
    Evidence,
    Indicator,
    Plan,
    PlanIndicator,
    ReportedValue,
    Score,
    Target,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "unit", "source", "aggregation", "direction"]
    list_filter = ["source", "aggregation", "direction"]
    search_fields = ["code", "name"]


class PlanIndicatorInline(ReadOnlyInline):
    model = PlanIndicator
    fields = ["indicator", "line", "section", "responsible_unit", "weight", "rule", "cap"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["name", "complex_name", "start_year", "end_year", "district", "status"]
    list_filter = ["status", "template", "district"]
    search_fields = ["name", "complex_name"]
    inlines = [PlanIndicatorInline]


class TargetInline(ReadOnlyInline):
    model = Target
    fields = ["year", "value", "note"]


@admin.register(PlanIndicator)
class PlanIndicatorAdmin(ReadOnlyAdmin):
    list_display = ["plan", "indicator", "line", "section", "weight", "rule"]
    list_filter = ["line", "rule"]
    inlines = [TargetInline]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["name", "kind", "size", "sha256"]


@admin.register(ReportedValue)
class ReportedValueAdmin(ReadOnlyAdmin):
    list_display = ["row", "year", "value", "as_of", "status", "submitted_by", "submitted_at"]
    list_filter = ["status", "year"]
    inlines = [EvidenceInline]


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    list_display = ["row", "year", "author", "created_at"]


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ["row", "actual", "target", "rule_score", "adjusted", "adjust_reason"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["plan", "year", "line", "status", "total", "signed_by", "signed_at"]
    list_filter = ["status", "line", "year"]
    inlines = [ScoreInline]
