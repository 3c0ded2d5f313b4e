from django.contrib import admin

from buergerbuero.queue.models import CounterSession, FloorSettings, Ticket, Visit, WalkInQuota


@admin.register(FloorSettings)
class FloorSettingsAdmin(admin.ModelAdmin):
    list_display = ["office", "early_minutes", "late_minutes", "due_minutes", "max_recalls", "ticket_prefix"]


@admin.register(WalkInQuota)
class WalkInQuotaAdmin(admin.ModelAdmin):
    list_display = ["office", "service", "daily_quota"]
    list_filter = ["office"]


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    can_delete = False
    fields = ("service", "status", "outcome", "queued_at", "called_at", "started_at", "ended_at", "counter", "clerk")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["label", "office", "day", "kind", "late", "priority", "checked_in_at"]
    list_filter = ["office", "kind", "day", "visits__outcome"]  # e.g. the visits the day close found open
    date_hierarchy = "day"
    inlines = [VisitInline]
    readonly_fields = ["appointment", "public_id"]


@admin.register(CounterSession)
class CounterSessionAdmin(admin.ModelAdmin):
    list_display = ["counter", "clerk", "started_at", "ended_at"]
    list_filter = ["office"]
