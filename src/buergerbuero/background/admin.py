from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from buergerbuero.background import selectors, services
from buergerbuero.background.models import JobState, Lease, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["kind_label", "recipient", "office", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["recipient", "key"]
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["resend"]

    def get_queryset(self, request):
        return selectors.messages_for(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return selectors.may_operate(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Art"))
    def kind_label(self, message):
        return message.kind_label

    @admin.action(description=_("Fehlgeschlagene erneut senden"))
    def resend(self, request, queryset):
        failed = list(queryset.filter(status=Message.Status.FAILED))
        for message in failed:
            services.resend(message=message)
        self.message_user(
            request, _("%(n)d Nachricht(en) werden erneut gesendet.") % {"n": len(failed)}, messages.SUCCESS
        )


@admin.register(JobState)
class JobStateAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_ok", "last_result", "next_due_at"]
    readonly_fields = [f.name for f in JobState._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Lease)
class LeaseAdmin(admin.ModelAdmin):
    list_display = ["name", "holder", "renewed_at", "expires_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
