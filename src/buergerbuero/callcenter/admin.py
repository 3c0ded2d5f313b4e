from django.contrib import admin

from buergerbuero.callcenter.models import Article, Call, Contract, IntervalStat, Ticket, TicketPause
from buergerbuero.privacy.audit import AuditedAdminMixin, call_subjects, ticket_subjects


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "municipality", "starts_on", "ends_on", "price_per_minute", "monthly_flat_fee"]
    filter_horizontal = ["services"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "service", "owner", "review_due", "valid_to"]
    list_filter = ["municipality"]
    search_fields = ["title", "keywords"]
    # Articles are written through the API/services so that the search index stays in step.
    readonly_fields = [f.name for f in Article._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Call)
class CallAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = "callcenter.call"
    audit_fields = ("caller_number",)

    def audit_subjects(self, obj):
        return call_subjects([obj])

    list_display = ["started_at", "contract", "service", "outcome", "duration_seconds"]
    list_filter = ["outcome", "contract"]
    date_hierarchy = "started_at"


class PauseInline(admin.TabularInline):
    model = TicketPause
    extra = 0


@admin.register(Ticket)
class TicketAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = "callcenter.ticket"
    audit_fields = ("caller_name", "caller_phone", "caller_email", "reason")

    def audit_subjects(self, obj):
        return ticket_subjects([obj])

    list_display = ["pk", "caller_name", "office", "status", "due_at"]
    list_filter = ["status", "office"]
    inlines = [PauseInline]


@admin.register(IntervalStat)
class IntervalStatAdmin(admin.ModelAdmin):
    list_display = ["start", "contract", "offered", "answered", "abandoned", "answered_within"]
    date_hierarchy = "start"
