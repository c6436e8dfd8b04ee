"""Which rate limits guard signing up, signing in, refreshing and every password check.

The rates live in settings.RATE_LIMITS (env THROTTLE_*, see README); the counting in
backend.throttling. Choices:

- Every password check (sign-in, password change, account deletion, the admin's sign-in
  and its own password change) counts against the client's address (all attempts: each
  costs an Argon2 hash) and against the account (failed ones only, keyed by the
  lower-cased e-mail), so a person who signs in successfully is never locked out by their
  own sign-ins.
- A locked account unlocks when the window ends (at most a minute with the default): the
  lock never grows, and it only stops new password sign-ins. Devices already signed in keep
  refreshing (counted per member, not per e-mail) and the member can still change their
  password from one. An attacker can keep an account locked only by spending the whole
  limit every window, from addresses that each have their own limit; guessing stays at
  10 tries a minute on average (a fixed window lets two windows' worth straddle its end).
- Sign-up counts per address only: there is no account yet to count against.
- A refresh counts failures per address (a token cannot be guessed, so only junk and
  replays are counted; many members behind one carrier NAT refresh freely) and every
  refresh per member, once the token's signature is proven (a forged token must not use
  up someone else's limit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from backend.throttling import Limit, client_ip


def email_in(data: Any) -> str:
    """The e-mail a sign-in names, normalised as the sign-in does, or "" if none."""
    value = data.get("email") if isinstance(data, Mapping) else None
    return value.strip().lower()[:254] if isinstance(value, str) else ""


def registration(request: HttpRequest) -> list[Limit]:
    return [Limit("register_ip", client_ip(request))]


def password_check(request: HttpRequest, email: str) -> list[Limit]:
    limits = [Limit("login_ip", client_ip(request))]
    if email:
        limits.append(Limit("login_account", email.lower(), failures_only=True))
    return limits


def refresh_from(request: HttpRequest) -> list[Limit]:
    return [Limit("refresh_ip", client_ip(request), failures_only=True)]


def refresh_of(user_id: str) -> list[Limit]:
    return [Limit("refresh_user", str(user_id))]
