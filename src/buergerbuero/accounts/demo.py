"""Demo organisations and logins (printed by `make run`; README "Demo logins")."""

import base64

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
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

# The demo passwords are public (README); their hashes are computed once here, not at every `load_demo`: five
# PBKDF2 rounds of 1.5 million iterations took half a minute on a busy 2-core machine. Django re-hashes a
# password at its first login whenever the hasher or its iteration count changes, so nothing is weaker.
DEMO_HASHES = {
    "demo-admin": "pbkdf2_sha256$1500000$demoadmin$51eVjD5yOzaS20LjntJeWQbFwZVtpQAiQ75EBTXd1ks=",
    "demo-leitung": "pbkdf2_sha256$1500000$demoleitung$EY2TUZim7yEDIQduPoA390xS23uVnf6TIyKRja+Ajyk=",
    "demo-sachbearbeitung": "pbkdf2_sha256$1500000$demosachbear$qlzGvi5U+GDIswQxxmaXmRms1DwE/7MGuuY4mArAihM=",
    "demo-empfang": "pbkdf2_sha256$1500000$demoempfang$eEP+fHNOi4aLyftQ8T6nxbsnIl5ssoSN97Mzvg3ItYw=",
    "demo-agent": "pbkdf2_sha256$1500000$demoagent$zPfix3JnIO1qW/4jHQBI2oQGRt6MdWzZvKdMRGITjCk=",
}


def demo_password_hash(password: str) -> str:
    return DEMO_HASHES.get(password) or make_password(password)


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
        admin = User.objects.create_superuser("admin", "admin@example.org", password=None)
        User.objects.filter(pk=admin.pk).update(password=demo_password_hash("demo-admin"))
        give_demo_authenticator(admin)
    for username, password, role, org, first, last in DEMO_USERS:
        user = User.objects.create_user(
            username, f"{username}@example.org", None, first_name=first, last_name=last, is_staff=True
        )
        User.objects.filter(pk=user.pk).update(password=demo_password_hash(password))
        StaffMembership.objects.create(user=user, organisation=orgs[org], role=role)
        give_demo_authenticator(user)
