"""API tokens: what a machine client uses instead of a password; hashed, revocable, bound to organisation and role."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from buergerbuero.accounts import services
from buergerbuero.accounts.models import ApiToken, Organisation, StaffMembership
from buergerbuero.core.errors import DomainError

URL = "/api/staff/offices/{slug}/day?date=2030-01-07"


@pytest.fixture
def clerk(small_office):
    user = get_user_model().objects.create_user("clerk")
    StaffMembership.objects.create(user=user, organisation=small_office.organisation, role="clerk")
    return user


def call(client, office, key):
    return client.get(URL.format(slug=office.slug), headers={"Authorization": f"Bearer {key}"})


def test_a_token_acts_as_its_member_and_only_its_hash_is_stored(client, small_office, clerk):
    now = timezone.now()
    _token, key = services.issue_api_token(user=clerk, name="Aufrufanlage", now=now)
    assert key.startswith("bb_") and len(key) > 40
    stored = ApiToken.objects.get()
    assert key not in {stored.key_hash, stored.prefix} and key.startswith(stored.prefix)
    assert (stored.organisation, stored.role) == (small_office.organisation, "clerk")
    assert call(client, small_office, key).status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert call(client, small_office, key[:-1] + ("A" if key[-1] != "A" else "B")).status_code == 401


def test_revoked_and_expired_tokens_are_refused(client, small_office, clerk):
    now = timezone.now()
    revoked, revoked_key = services.issue_api_token(user=clerk, name="alt", now=now)
    services.revoke_api_token(token=revoked, now=now)
    _short, short_key = services.issue_api_token(
        user=clerk, name="kurz", now=now - dt.timedelta(hours=2), expires_at=now - dt.timedelta(hours=1)
    )
    response = call(client, small_office, revoked_key)
    assert response.status_code == 401 and response["Content-Type"].startswith("application/problem+json")
    assert call(client, small_office, short_key).status_code == 401


def test_a_token_stops_working_when_the_member_changes_role_or_organisation_or_is_deactivated(
    client, small_office, clerk
):
    now = timezone.now()
    _token, key = services.issue_api_token(user=clerk, name="Skript", now=now)
    member = clerk.membership
    member.role = "manager"
    member.save()
    assert call(client, small_office, key).status_code == 401
    member.role = "clerk"
    member.save()
    assert call(client, small_office, key).status_code == 200
    member.organisation = Organisation.objects.create(name="Andere Stadt")
    member.save()
    assert call(client, small_office, key).status_code == 401
    member.organisation = small_office.organisation
    member.save()
    clerk.is_active = False
    clerk.save()
    assert call(client, small_office, key).status_code == 401


def test_only_members_get_tokens_and_never_already_expired_ones(db, clerk):
    outsider = get_user_model().objects.create_user("outsider")
    now = timezone.now()
    with pytest.raises(DomainError) as exc:
        services.issue_api_token(user=outsider, name="x", now=now)
    assert exc.value.field == "user"
    with pytest.raises(DomainError) as exc:
        services.issue_api_token(user=clerk, name="x", now=now, expires_at=now)
    assert exc.value.field == "expires_at"
    assert not ApiToken.objects.exists()


def test_an_administrator_issues_a_token_once_and_revokes_it_in_the_admin(client, small_office, clerk):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", None)
    browser = Client()
    browser.force_login(admin)
    response = browser.post("/admin/accounts/apitoken/add/", {"user": clerk.pk, "name": "Telefonanlage"}, follow=True)
    assert response.status_code == 200
    shown = re.search(r"bb_[A-Za-z0-9_-]{40,}", response.content.decode())
    assert shown, "the key is shown once after issuing"
    key = shown.group(0)
    assert call(client, small_office, key).status_code == 200
    token = ApiToken.objects.get()
    assert key not in browser.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()

    browser.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert call(client, small_office, key).status_code == 401


def test_the_admin_refuses_a_token_for_a_user_without_organisation(db):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", None)
    outsider = get_user_model().objects.create_user("outsider")
    client = Client()
    client.force_login(admin)
    response = client.post("/admin/accounts/apitoken/add/", {"user": outsider.pk, "name": "x"})
    assert response.status_code == 200  # the form again, with the message beside the field
    assert "Nur Mitarbeitende mit Organisation und Rolle" in response.content.decode()
    assert not ApiToken.objects.exists()
