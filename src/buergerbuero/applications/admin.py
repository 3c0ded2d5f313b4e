from django import forms
from django.contrib import admin

from buergerbuero.applications.models import Application, OnlineService, PaymentAccount, StatusChange
from buergerbuero.applications.payment import registry as payment_registry
from buergerbuero.privacy.audit import AuditedAdminMixin


@admin.register(OnlineService)
class OnlineServiceAdmin(admin.ModelAdmin):
    list_display = [
        "title_de",
        "kind",
        "service",
        "appointment_service",
        "trust_level",
        "payment_policy",
        "retention_days",
        "active",
    ]


class PaymentAccountForm(forms.ModelForm):
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))

    class Meta:
        model = PaymentAccount
        fields = ["organisation", "provider", "endpoint", "merchant_id", "secret"]
        # Django takes a callable for choices (read when the form is built); the stub knows only iterables
        widgets = {"provider": forms.Select(choices=payment_registry.choices)}  # type: ignore[arg-type]


@admin.register(PaymentAccount)
class PaymentAccountAdmin(admin.ModelAdmin):
    form = PaymentAccountForm
    list_display = ["organisation", "provider", "endpoint", "merchant_id"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "at"]


@admin.register(Application)
class ApplicationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = "applications.application"
    audit_fields = ("answers", "identity", "email")

    def audit_subjects(self, obj):
        from buergerbuero.applications import services

        return services.subjects(obj)

    """Read-only: status changes go through the back office (services), which also writes the audit log."""

    list_display = ["reference", "service", "status", "submitted_at", "appointment_code", "purge_after"]
    list_filter = ["status", "service"]
    search_fields = ["reference", "appointment_code"]
    readonly_fields = [f.name for f in Application._meta.fields]
    exclude = ["answers", "identity"]
    inlines = [StatusChangeInline]

    def has_add_permission(self, request):
        return False
