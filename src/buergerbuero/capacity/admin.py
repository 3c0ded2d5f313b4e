from django.contrib import admin

from buergerbuero.capacity.models import Closure, OpeningRule, RosterEntry


@admin.register(OpeningRule)
class OpeningRuleAdmin(admin.ModelAdmin):
    list_display = ["office", "kind", "__str__", "valid_from", "valid_to", "every_n_weeks"]
    list_filter = ["office", "kind"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["office", "start_date", "end_date", "reason"]
    list_filter = ["office"]


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["counter", "__str__", "valid_from", "valid_to"]
    list_filter = ["counter__office"]
    filter_horizontal = ["services"]
