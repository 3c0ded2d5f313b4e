from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts import services, twofactor
from buergerbuero.accounts.models import ApiToken, ExternalAccount, Organisation, StaffMembership
from buergerbuero.core.errors import DomainError


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["organisation", "role"]
    filter_horizontal = ["offices", "skills"]
    actions = ["reset_second_factor"]

    @admin.action(description=_("Zweiten Faktor zurücksetzen (neu einrichten bei der nächsten Anmeldung)"))
    def reset_second_factor(self, request, queryset):
        for member in queryset.select_related("user"):
            twofactor.reset(request, member.user)
        messages.success(
            request,
            _(
                "Zweiter Faktor zurückgesetzt für %(n)d Mitarbeitende: "
                "Sie richten ihn bei der nächsten Anmeldung neu ein."
            )
            % {"n": queryset.count()},
        )


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("user") is not None:
            try:
                services.check_token_request(
                    user=cleaned["user"], expires_at=cleaned.get("expires_at"), now=timezone.now()
                )
            except DomainError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators issue and revoke the API tokens of machine clients; the key is shown once, on issue."""

    list_display = [
        "name",
        "user",
        "organisation",
        "role",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["organisation", "role"]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]
    form = ApiTokenForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "expires_at"]
        return [
            "user",
            "name",
            "organisation",
            "role",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "organisation", "role", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        token, key = services.issue_api_token(
            user=obj.user, name=obj.name, expires_at=obj.expires_at, now=timezone.now()
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("Der Schlüssel wird nur jetzt angezeigt, bitte sicher aufbewahren: %(key)s") % {"key": key},
        )

    @admin.action(description=_("Ausgewählte Schlüssel widerrufen"))
    def revoke(self, request, queryset):
        now = timezone.now()
        for token in queryset:
            services.revoke_api_token(token=token, now=now)


@admin.register(ExternalAccount)
class ExternalAccountAdmin(admin.ModelAdmin):
    """Who signs in through the city's identity provider (accounts.sso). Made and updated by the sign-in itself;
    to block somebody, make the user inactive (deleting the row makes the next sign-in a new user)."""

    list_display = ["user", "issuer", "subject", "groups", "created_at"]
    list_filter = ["issuer"]
    search_fields = ["user__username", "user__last_name", "subject"]
    readonly_fields = ["user", "issuer", "subject", "groups", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
