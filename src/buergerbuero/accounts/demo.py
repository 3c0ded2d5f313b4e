"""Demo organisations and logins (printed by `make run`; README "Demo logins")."""

import base64

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.core.demo import DemoCity

DEMO_USERS = [
    # username, password, role, organisation key, first name, last name
    ("leitung", "demo-leitung", StaffMembership.Role.MANAGER, "city", "Thomas", "Roehl"),
    ("sachbearbeitung", "demo-sachbearbeitung", StaffMembership.Role.CLERK, "city", "Sabine", "Kowalski"),
    ("empfang", "demo-empfang", StaffMembership.Role.RECEPTION, "city", "Murat", "Yilmaz"),
    ("agent", "demo-agent", StaffMembership.Role.AGENT, "partner", "Jana", "Becker"),
]


# Every demo person's authenticator app holds this secret (README): type it into any TOTP app, or let
# `make run` skip the code (BUERGERBUERO_DEMO_SKIP_2FA, refused in production). Never use it for a real account.
DEMO_TOTP_SECRET = "BUERGERBUERODEMOBUERGERBUERODEMO"


def give_demo_authenticator(user) -> TOTPDevice:
    """The demo's known second factor for a demo person (so README logins work with a real TOTP code)."""
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    return TOTPDevice.objects.create(user=user, name="Demo-Authenticator", key=key, confirmed=True)


def load(city: DemoCity) -> None:
    User = get_user_model()
    orgs = {
        "city": Organisation.objects.create(name="Stadt Castrop-Rauxel", kind=Organisation.Kind.MUNICIPALITY),
        "partner": Organisation.objects.create(name="Stadt Bochum – Callcenter", kind=Organisation.Kind.PARTNER),
    }
    city.objects["organisations"] = orgs
    if not User.objects.filter(username="admin").exists():
        give_demo_authenticator(User.objects.create_superuser("admin", "admin@example.org", "demo-admin"))
    for username, password, role, org, first, last in DEMO_USERS:
        user = User.objects.create_user(
            username, f"{username}@example.org", password, first_name=first, last_name=last, is_staff=True
        )
        StaffMembership.objects.create(user=user, organisation=orgs[org], role=role)
        give_demo_authenticator(user)
