from django.contrib import admin

from buergerbuero.booking.models import Appointment, AppointmentService


class AppointmentServiceInline(admin.TabularInline):
    model = AppointmentService
    extra = 0
    readonly_fields = ["service", "minutes"]
    can_delete = False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-mostly: bookings change through the booking services so claims stay consistent."""

    list_display = ["code", "office", "counter", "start", "status", "channel", "name"]
    list_filter = ["office", "status", "channel"]
    search_fields = ["code", "name", "email"]
    date_hierarchy = "start"
    inlines = [AppointmentServiceInline]
    readonly_fields = [f.name for f in Appointment._meta.fields]

    def has_add_permission(self, request):
        return False
