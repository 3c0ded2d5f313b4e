"""Single sign-on for staff through the city's identity provider (OpenID Connect: Keycloak, AD FS, …).

Off while STAFF_SSO_ISSUER is empty (docs/configuration.md). When on, the sign-in page offers "Mit Dienstkonto
anmelden": `begin` keeps a fresh state, nonce and PKCE verifier in the session and sends the browser to the
provider; `complete` checks that the answer belongs to that open sign-in (state, once), lets `core.oidc` check the
code exchange and the ID token (signature, iss, aud, exp, nonce), and `provision` finds the staff user by the
provider's subject (made at the first sign-in) and sets their organisation and role from the groups in the
token (STAFF_SSO_GROUPS, the first rule that matches wins). Somebody without a mapped group gets no account; a
rule naming an organisation that does not exist refuses the sign-in and is logged.

Whether the provider's second factor counts (`provider_mfa`) is read from the token's `amr`/`acr`
(STAFF_SSO_MFA_AMR / STAFF_SSO_MFA_ACR); otherwise the person enters the code of their authenticator app as
after a password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts.models import ExternalAccount, Organisation, ProviderSecondFactor, StaffMembership
from buergerbuero.core import oidc
from buergerbuero.core.oidc import OIDCError
from buergerbuero.privacy import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

security_log = logging.getLogger("buergerbuero.security")

PENDING_KEY = "staff_sso_pending"
ID_TOKEN_KEY = "staff_sso_id_token"
ACCOUNT_KEY = "staff_sso_account"  # the ExternalAccount a session was signed in through (back-channel logout)
DEVICE_NAME = "Anmeldedienst"

NO_GROUP = _(
    "Ihr Dienstkonto ist für das Bürgerbüro nicht freigeschaltet (keine passende Gruppe). "
    "Bitte wenden Sie sich an die Administration Ihrer Stadt."
)
UNKNOWN_ORGANISATION = _(
    "Ihre Gruppe beim Anmeldedienst verweist auf eine Organisation, die es hier nicht gibt. "
    "Bitte wenden Sie sich an die Administration."
)
INACTIVE = _("Ihr Konto im Bürgerbüro ist gesperrt. Bitte wenden Sie sich an die Administration.")
CANCELLED = _("Die Anmeldung beim Anmeldedienst wurde abgebrochen oder abgelehnt.")
UNKNOWN_SUBJECT = _("Der Anmeldedienst meldet eine Person ab, die hier kein Dienstkonto hat.")
NOT_STARTED = _("Diese Anmeldung wurde hier nicht begonnen oder ist schon verwendet. Bitte erneut anmelden.")


class SignInRefused(OIDCError):
    code = "staff_sso_refused"


@dataclass(frozen=True)
class GroupRule:
    group: str
    organisation: str
    role: str


@dataclass(frozen=True)
class SignedIn:
    user: User
    provider_mfa: bool
    id_token: str
    account_id: int  # the person's ExternalAccount: the provider's back-channel logout ends the session by it


def _setting(name: str, default=""):
    return getattr(settings, "STAFF_SSO", {}).get(name, default)


def enabled() -> bool:
    return bool(_setting("ISSUER") and _setting("CLIENT_ID"))


def client() -> oidc.Client:
    return oidc.Client(
        issuer=_setting("ISSUER"),
        client_id=_setting("CLIENT_ID"),
        client_secret=_setting("CLIENT_SECRET"),
        scopes=_setting("SCOPES", "openid profile email"),
    )


def parse_rules(text: str) -> list[GroupRule]:
    """The group mapping as an operator writes it: `group=organisation:role` entries separated by `;` or new lines,
    or a JSON object {"group": ["organisation", "role"], …}. Raises ValueError saying what is wrong."""
    text = (text or "").strip()
    roles = set(StaffMembership.Role.values)
    rules: list[GroupRule] = []
    if text.startswith("{"):
        data = json.loads(text)
        for group, target in data.items():
            if isinstance(target, dict):
                target = [target.get("organisation", ""), target.get("role", "")]
            if not (isinstance(target, list) and len(target) == 2):
                raise ValueError(f"group {group!r}: expected [organisation, role]")
            rules.append(GroupRule(str(group).strip(), str(target[0]).strip(), str(target[1]).strip()))
    else:
        for entry in re.split(r"[;\n]", text):
            entry = entry.strip()
            if not entry:
                continue
            # Group names may contain '=' and ',' (LDAP DNs such as cn=bb,ou=groups,dc=city): the target is
            # what follows the last '=', and it is 'organisation:role'.
            group, sep, target = entry.rpartition("=")
            organisation, colon, role = target.rpartition(":")
            if not (sep and colon and group.strip() and organisation.strip()):
                raise ValueError(f"entry {entry!r}: expected group=organisation:role")
            rules.append(GroupRule(group.strip(), organisation.strip(), role.strip()))
    for rule in rules:
        if rule.role not in roles:
            raise ValueError(f"group {rule.group!r}: unknown role {rule.role!r} (one of {', '.join(sorted(roles))})")
        if not rule.organisation:
            raise ValueError(f"group {rule.group!r}: organisation missing")
    return rules


def rules() -> list[GroupRule]:
    return parse_rules(_setting("GROUPS"))


@checks.register(checks.Tags.security)
def check_configuration(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check` (and every start) names a broken STAFF_SSO_GROUPS instead of refusing people later."""
    if not enabled():
        return []
    try:
        found = rules()
    except ValueError as exc:
        return [checks.Error(f"STAFF_SSO_GROUPS: {exc}", id="accounts.E101")]
    if not found:
        return [
            checks.Warning(
                "STAFF_SSO_GROUPS is empty: nobody can sign in with the staff single sign-on.", id="accounts.W101"
            )
        ]
    return []


def begin(request, *, redirect_uri: str, next_url: str) -> str:
    """Open a sign-in in this session and return the provider's address to send the browser to."""
    pending = {
        "state": oidc.random_secret(),
        "nonce": oidc.random_secret(),
        "verifier": oidc.random_secret(),
        "next": next_url,
    }
    url = client().authorization_url(
        redirect_uri=redirect_uri, state=pending["state"], nonce=pending["nonce"], verifier=pending["verifier"]
    )
    request.session[PENDING_KEY] = pending
    return url


def next_url(request) -> str | None:
    pending = request.session.get(PENDING_KEY) or {}
    return pending.get("next")


def complete(request, *, redirect_uri: str, now) -> SignedIn:
    """Check the provider's answer for the sign-in open in this session (it closes, used or not) and return the
    staff user it names. Raises OIDCError (refused answers) or SignInRefused (nobody to sign in here)."""
    pending = request.session.pop(PENDING_KEY, None)
    if request.GET.get("error"):
        raise SignInRefused(CANCELLED, code="staff_sso_cancelled")
    state, code = request.GET.get("state", "")[:200], request.GET.get("code", "")[:512]
    if not pending or not state or not code or not _same(state, pending.get("state", "")):
        raise OIDCError(NOT_STARTED, code="identity_replayed")
    rp = client()
    id_token = rp.exchange(code=code, verifier=pending["verifier"], redirect_uri=redirect_uri)
    claims = rp.verify(id_token, nonce=pending["nonce"])
    user = provision(issuer=str(claims["iss"]), claims=claims, now=now)
    account_id = ExternalAccount.objects.values_list("pk", flat=True).get(user=user)
    return SignedIn(user=user, provider_mfa=provider_mfa(claims), id_token=id_token, account_id=account_id)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def groups_of(claims: dict) -> list[str]:
    value = claims.get(_setting("GROUPS_CLAIM", "groups"), [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(item) for item in value]


def provider_mfa(claims: dict) -> bool:
    """Whether the ID token says the provider checked a second factor (configured amr or acr values)."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    trusted_amr = {value.casefold() for value in _setting("MFA_AMR", [])}
    trusted_acr = set(_setting("MFA_ACR", []))
    acr = str(claims.get("acr", ""))
    return bool(trusted_amr & {str(value).casefold() for value in amr}) or (bool(acr) and acr in trusted_acr)


def _target(groups: list[str]) -> GroupRule | None:
    """The first rule (in the configured order) whose group the person has."""
    have = set(groups)
    return next((rule for rule in rules() if rule.group in have), None)


def provision(*, issuer: str, claims: dict, now) -> User:
    """The staff user of the provider's subject, made at the first sign-in, with the organisation and role their
    groups give them now. Raises SignInRefused (and makes nothing) when no group is mapped, the organisation does
    not exist or the account was blocked here. Somebody whose mapped groups were all taken away at the provider
    loses their membership here too (and with it every right and API token)."""
    subject = str(claims["sub"])
    groups = groups_of(claims)
    rule = _target(groups)
    account = ExternalAccount.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    log_extra = {"event": "staff_sso_refused", "user_id": account.user_id if account else None}
    if rule is None:
        if account is not None:
            dropped, _kinds = StaffMembership.objects.filter(user=account.user).delete()
            if dropped:
                security_log.warning(
                    "staff single sign-on removed the membership: no mapped group any more",
                    extra={"event": "staff_sso_membership", "user_id": account.user_id},
                )
        security_log.warning("staff single sign-on refused: no mapped group", extra=log_extra)
        raise SignInRefused(NO_GROUP, code="staff_sso_no_group")
    organisation = Organisation.objects.filter(name__iexact=rule.organisation).first()
    if organisation is None:
        security_log.error(
            "staff single sign-on refused: group %r names the unknown organisation %r",
            rule.group,
            rule.organisation,
            extra=log_extra,
        )
        raise SignInRefused(UNKNOWN_ORGANISATION, code="staff_sso_unknown_organisation")
    return _apply_or_join(
        account,
        issuer=issuer,
        subject=subject,
        claims=claims,
        groups=groups,
        rule=rule,
        organisation=organisation,
        now=now,
    )


def _apply_or_join(account: ExternalAccount | None, **arguments: Any) -> User:
    """`_apply`, but a person signing in for the first time in two browsers at once gets one account: the sign-in
    that lost the race to create it (the unique issuer + subject) joins the one the other made; one that lost a
    user name to somebody else's first sign-in at the same moment tries again with the next free name."""
    try:
        return _apply(account, **arguments)
    except IntegrityError:
        if account is not None:
            raise
        made = (
            ExternalAccount.objects.select_related("user")
            .filter(issuer=arguments["issuer"], subject=arguments["subject"])
            .first()
        )
        return _apply(made, **arguments)


@transaction.atomic
def _apply(account, *, issuer, subject, claims, groups, rule, organisation, now):
    log_extra = {"event": "staff_sso_refused", "user_id": account.user_id if account else None}
    if account is None:
        user = get_user_model().objects.create_user(
            _free_username(claims, subject),
            email=str(claims.get("email", ""))[:254],
            first_name=str(claims.get("given_name", ""))[:150],
            last_name=str(claims.get("family_name", ""))[:150],
        )  # no password: this person signs in only through the provider
        account = ExternalAccount.objects.create(
            user=user, issuer=issuer, subject=subject, groups=groups, created_at=now
        )
        security_log.info(
            "staff single sign-on made a new account", extra={"event": "staff_sso_new", "user_id": user.pk}
        )
    else:
        user = account.user
        if not user.is_active:
            security_log.warning("staff single sign-on refused: account blocked", extra=log_extra)
            raise SignInRefused(INACTIVE, code="staff_sso_inactive")
        changed = []
        for field, claim in (("email", "email"), ("first_name", "given_name"), ("last_name", "family_name")):
            value = str(claims.get(claim, getattr(user, field)))[: 254 if field == "email" else 150]
            if getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        if changed:
            user.save(update_fields=changed)
        if account.groups != groups:
            account.groups = groups
            account.save(update_fields=["groups"])
    _set_membership(user, organisation=organisation, role=rule.role)
    return user


def _set_membership(user, *, organisation: Organisation, role: str) -> None:
    member = StaffMembership.objects.filter(user=user).first()
    if member is None:
        StaffMembership.objects.create(user=user, organisation=organisation, role=role)
        return
    if member.organisation_id == organisation.pk and member.role == role:
        return
    security_log.info(
        "staff single sign-on changed the membership from %s/%s to %s/%s",
        member.organisation_id,
        member.role,
        organisation.pk,
        role,
        extra={"event": "staff_sso_membership", "user_id": user.pk},
    )
    if member.organisation_id != organisation.pk:
        # Offices and skills belong to the old organisation; the new one assigns its own.
        member.offices.clear()
        member.skills.clear()
    member.organisation, member.role = organisation, role
    member.save(update_fields=["organisation", "role"])


def _free_username(claims: dict, subject: str) -> str:
    """A readable user name (the provider's preferred_username if free here), else one from the subject. Never
    matched on: a local account of the same name stays a different person."""
    User = get_user_model()
    wanted = re.sub(r"[^\w.@+-]", "", str(claims.get("preferred_username", "")))[:120]
    fallback = "sso-" + hashlib.sha256(subject.encode()).hexdigest()[:12]
    for candidate in (wanted, f"{wanted}-sso" if wanted else "", fallback):
        if candidate and not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    return f"{fallback}-{hashlib.sha256(oidc.random_secret().encode()).hexdigest()[:6]}"


def provider_device(user) -> ProviderSecondFactor:
    device = ProviderSecondFactor.objects.filter(user=user).first()
    if device is None:
        device = ProviderSecondFactor.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    return device


def logout_url(*, id_token: str, back_to: str) -> str | None:
    """The provider's end-session address for this sign-in, if it offers one (and STAFF_SSO_LOGOUT_AT_PROVIDER)."""
    if not (enabled() and _setting("LOGOUT_AT_PROVIDER", True)):
        return None
    return client().end_session_url(id_token_hint=id_token, post_logout_redirect_uri=back_to)


def sign_out_from_provider(request, logout_token: str) -> User:
    """The provider's back-channel logout: check its token and end every session its subject signed in through
    us before the token was issued (the staff middleware ends them at their next request, `signed_out`). Raises
    OIDCError for a token that is not the provider's or names nobody here."""
    claims = client().verify_logout(logout_token)
    moment = dt.datetime.fromtimestamp(float(claims["iat"]), tz=dt.UTC)
    account = ExternalAccount.objects.filter(issuer=str(claims["iss"]), subject=str(claims["sub"])).first()
    if account is None:
        raise OIDCError(UNKNOWN_SUBJECT, code="identity_invalid")
    # A later token wins; an older one (a replay) cannot move the moment back.
    ExternalAccount.objects.filter(pk=account.pk).filter(
        Q(signed_out_at__isnull=True) | Q(signed_out_at__lt=moment)
    ).update(signed_out_at=moment)
    audit.security_event(request, "signed_out_by_provider", user=account.user)
    return account.user


def signed_out(account_id: int, *, signed_in_at: float) -> bool:
    """Whether the provider signed this account out after a session began (`signed_in_at`: epoch seconds)."""
    moment = ExternalAccount.objects.filter(pk=account_id).values_list("signed_out_at", flat=True).first()
    # `iat` counts whole seconds: a session begun within the second the token was issued began before it
    return moment is not None and moment.timestamp() + 1 > signed_in_at
