"""Failed sign-ins are counted per account and per client address; too many lock the sign-in for a while.

The counters live in the cache (Redis across web processes) and last LOGIN_LOCKOUT_MINUTES after the last failed
attempt: a guesser who keeps trying stays locked out, a person who mistyped waits a quarter of an hour. A locked
account is refused before its password is checked, so the right password does not help a guesser either. Each
lockout writes a warning to the security log (logger `buergerbuero.security`) with the account and the address,
and each counted failure and each lockout is an audit record (action "security") for the data-protection officer.
Attempts refused while locked are not recorded one by one (the lockout bounds the records an attacker can cause).
Wrong codes at the second step count the same way (LOGIN_FAILURES_PER_ACCOUNT per account, and towards the
address): someone who has the password cannot try codes beyond the library's own slowing down.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from buergerbuero.core.ratelimit import client_ip
from buergerbuero.privacy import audit

security_log = logging.getLogger("buergerbuero.security")


def _account_hash(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def _keys(request, username: str) -> tuple[str, str]:
    return f"login-fail:account:{_account_hash(username)}", f"login-fail:address:{client_ip(request)}"


def _code_key(username: str) -> str:
    """Wrong second-factor codes of an account: counted apart from its wrong passwords, because a right password
    ends those – and whoever tries codes knows the password."""
    return f"login-fail:code:{_account_hash(username)}"


SSO_NAME = "(Dienstkonto)"  # the audit log's name for a refused single sign-on (the provider named no account)


def _ttl() -> int:
    return settings.LOGIN_LOCKOUT_MINUTES * 60


def locked(request, username: str) -> bool:
    """Whether sign-ins for this account or from this address are refused now."""
    account_key, address_key = _keys(request, username)
    code_key = _code_key(username)
    counts = cache.get_many([account_key, address_key, code_key])
    return (
        counts.get(account_key, 0) >= settings.LOGIN_FAILURES_PER_ACCOUNT
        or counts.get(code_key, 0) >= settings.LOGIN_FAILURES_PER_ACCOUNT
        or counts.get(address_key, 0) >= settings.LOGIN_FAILURES_PER_ADDRESS
    )


def _bump(key: str) -> int:
    cache.add(key, 0, _ttl())
    try:
        count = cache.incr(key)
    except ValueError:  # evicted meanwhile
        cache.set(key, 1, _ttl())
        count = 1
    cache.touch(key, _ttl())  # the window restarts with every failure
    return count


def failed(request, username: str) -> bool:
    """Count one failed sign-in; True when it locks the account or the address (logged once, when it does)."""
    account_key, address_key = _keys(request, username)
    by_account, by_address = _bump(account_key), _bump(address_key)
    now_locked = by_account == settings.LOGIN_FAILURES_PER_ACCOUNT or by_address == settings.LOGIN_FAILURES_PER_ADDRESS
    user = _account(username)
    audit.security_event(request, "login_failed", user=user, username=username.strip())
    if now_locked:
        audit.security_event(request, "login_locked", user=user, username=username.strip())
        security_log.warning(
            "sign-in locked after %d failures for the account and %d from the address",
            by_account,
            by_address,
            extra={"event": "login_locked", "account": username[:150], "address": client_ip(request)},
        )
    return by_account >= settings.LOGIN_FAILURES_PER_ACCOUNT or by_address >= settings.LOGIN_FAILURES_PER_ADDRESS


def _account(username: str):
    """The account a username names (None: no such account; the record then keeps only the name typed)."""
    model = get_user_model()
    return model.objects.filter(**{model.USERNAME_FIELD: username.strip()}).first()


def succeeded(request, username: str) -> None:
    """A correct password ends the account's count (the address keeps its own)."""
    account_key, _address_key = _keys(request, username)
    cache.delete(account_key)


def address_locked(request) -> bool:
    """Whether sign-ins from this address are refused now (a sign-in without a user name: single sign-on)."""
    return cache.get(_keys(request, "")[1], 0) >= settings.LOGIN_FAILURES_PER_ADDRESS


def address_failed(request) -> bool:
    """Count one failed sign-in of the address alone (a refused answer of the identity provider names no account);
    True when the address is locked."""
    address_key = _keys(request, "")[1]
    count = _bump(address_key)
    audit.security_event(request, "login_failed", username=SSO_NAME)
    if count == settings.LOGIN_FAILURES_PER_ADDRESS:
        audit.security_event(request, "login_locked", username=SSO_NAME)
        security_log.warning(
            "sign-in locked after %d failures from the address",
            count,
            extra={"event": "login_locked", "address": client_ip(request)},
        )
    return count >= settings.LOGIN_FAILURES_PER_ADDRESS


def code_failed(request, user) -> bool:
    """Count one wrong second-factor code of `user` (the code step's own audit record says which); True when the
    account's sign-in is locked now – both steps, whatever the address (logged once, when it locks)."""
    username = user.get_username()
    by_account, by_address = _bump(_code_key(username)), _bump(_keys(request, username)[1])
    if by_account == settings.LOGIN_FAILURES_PER_ACCOUNT:
        audit.security_event(request, "login_locked", user=user, username=username)
        security_log.warning(
            "sign-in locked after %d wrong second-factor codes",
            by_account,
            extra={"event": "login_locked", "account": username[:150], "address": client_ip(request)},
        )
    return by_account >= settings.LOGIN_FAILURES_PER_ACCOUNT or by_address >= settings.LOGIN_FAILURES_PER_ADDRESS


def code_succeeded(user) -> None:
    """A right code ends the account's count of wrong codes."""
    cache.delete(_code_key(user.get_username()))
