from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking.models import Appointment, AppointmentService, WaitlistEntry, WaitlistOffer, WaitlistWindow
from buergerbuero.privacy.audit import AuditedAdminMixin, appointment_subjects, tokens


class AppointmentServiceInline(admin.TabularInline):
    model = AppointmentService
    extra = 0
    readonly_fields = ["service", "minutes"]
    can_delete = False


@admin.register(Appointment)
class AppointmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = "booking.appointment"
    audit_fields = ("name", "email", "phone")

    def audit_subjects(self, obj):
        return appointment_subjects([obj])

    """Read-mostly: bookings change through the booking services so claims stay consistent."""

    list_display = ["code", "office", "counter", "start", "status", "channel", "name"]
    list_filter = ["office", "status", "channel"]
    search_fields = ["code", "name", "email"]
    date_hierarchy = "start"
    inlines = [AppointmentServiceInline]
    readonly_fields = [f.name for f in Appointment._meta.fields]

    def has_add_permission(self, request):
        return False


class WaitlistWindowInline(admin.TabularInline):
    model = WaitlistWindow
    extra = 0


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    fields = ("appointment", "status", "created_at", "expires_at", "answered_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # offers come from the waitlist run, not by hand


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = "booking.waitlistentry"
    audit_fields = ("name", "email")

    def audit_subjects(self, obj):
        return tokens(email=obj.email, object_type=self.audit_object_type, pk=obj.pk)

    list_display = ("queued_at", "email", "status", "date_from", "date_to", "persons", "service_list")
    list_filter = ("status", "offices", "services")
    search_fields = ("email", "name")
    date_hierarchy = "queued_at"
    readonly_fields = ("public_id", "created_at", "queued_at")
    exclude = ("token_hash",)
    filter_horizontal = ("offices", "services")
    inlines = [WaitlistWindowInline, WaitlistOfferInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description=_("Leistungen"))
    def service_list(self, obj):
        return ", ".join(s.name for s in obj.services.all())


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(admin.ModelAdmin):
    list_display = ("created_at", "entry", "appointment", "status", "expires_at", "answered_at")
    list_filter = ("status", "appointment__office")
    search_fields = ("entry__email", "appointment__code")
    list_select_related = ("entry", "appointment")
    readonly_fields = ("public_id", "entry", "appointment", "created_at", "expires_at", "answered_at", "status")

    def has_add_permission(self, request):
        return False
