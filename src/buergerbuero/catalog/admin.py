from django.contrib import admin

from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule
from buergerbuero.catalog.models import Counter, Office, OfficeService, Service


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0


class OfficeServiceInline(admin.TabularInline):
    model = OfficeService
    extra = 0
    autocomplete_fields = ["service"]


class OpeningRuleInline(admin.TabularInline):
    model = OpeningRule
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class ChannelShareInline(admin.TabularInline):
    model = ChannelShare
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "land", "horizon_days", "slot_minutes"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CounterInline, OfficeServiceInline, OpeningRuleInline, ClosureInline, ChannelShareInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name_de", "leika_key", "handling_minutes", "fee", "bookable_online"]
    list_filter = ["bookable_online"]
    search_fields = ["name_de", "name_en", "leika_key", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}
