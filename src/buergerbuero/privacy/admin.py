from django.contrib import admin

from buergerbuero.privacy.models import AuditRecord, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "appointment_days", "callback_ticket_days", "open_application_days"]


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only; the data-protection officer's page filters and exports it."""

    list_display = ["at", "actor_name", "role", "action", "object_type", "object_id", "view"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
