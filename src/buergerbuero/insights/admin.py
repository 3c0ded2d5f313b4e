from django.contrib import admin

from buergerbuero.insights.models import Event, KPISnapshot, OfficeTarget


@admin.register(KPISnapshot)
class KPISnapshotAdmin(admin.ModelAdmin):
    list_display = ["hour", "office", "service", "lead_time_days", "earliest_start", "free_slots_14d", "source"]
    list_filter = ["office", "source", "service"]
    date_hierarchy = "hour"
    readonly_fields = [f.name for f in KPISnapshot._meta.fields]

    def has_add_permission(self, request):
        return False  # measured, never typed in


@admin.register(OfficeTarget)
class OfficeTargetAdmin(admin.ModelAdmin):
    list_display = ["office", "min_days", "max_days"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["day", "office", "kind", "title"]
    list_filter = ["office", "kind"]
