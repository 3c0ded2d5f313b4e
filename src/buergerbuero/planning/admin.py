from django.contrib import admin

from buergerbuero.planning.models import PlanRun, Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "created_by", "updated_at"]
    list_filter = ["office"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    list_display = ["scenario", "kind", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["definition", "result", "error", "created_at", "started_at", "finished_at"]
