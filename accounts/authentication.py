from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from django.db import connection
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication

from backend import rawsql

from .models import LoginSession, User


class SessionJWTAuthentication(JWTAuthentication):
    """JWT whose sign-in session must still be active: revoking a device is immediate.

    One query per request, the same as plain simplejwt's user look-up.
    """

    def get_user(self, validated_token):
        session_id, user_id = _token_ids(validated_token)
        return confirmed_user(session_id, user_id)


class SessionCheckedByTheQuery(SessionJWTAuthentication):
    """The same token check, with the session left to the one query the view runs anyway:
    the member it returns is confirmed by that query (session_condition) or, when it
    finds no rows, by confirm(). One round trip to the database instead of two, for the
    API's most repeated read (tracking's intake list)."""

    def get_user(self, validated_token):
        return UnconfirmedMember(*_token_ids(validated_token))


class SessionCheckedByTheView:
    """View mixin: where session_checked_here(request) holds, the bearer's session is left
    to the view's own query (SessionCheckedByTheQuery) instead of a query of its own."""

    def session_checked_here(self, request) -> bool:
        raise NotImplementedError

    def get_authenticators(self):
        authenticators = super().get_authenticators()
        request = getattr(self, "request", None)
        if getattr(self, "swagger_fake_view", False) or request is None:
            return authenticators  # the schema documents the one scheme both share
        if not self.session_checked_here(request):
            return authenticators
        others = (a for a in authenticators if type(a) is not SessionJWTAuthentication)
        return [SessionCheckedByTheQuery(), *others]


@dataclass(frozen=True)
class UnconfirmedMember:
    """A valid token's member whose session is still to be checked; it has only what a
    view that checks it needs."""

    login_session_id: uuid.UUID
    id: uuid.UUID
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    def confirm(self) -> User:
        return confirmed_user(self.login_session_id, self.id)


def _token_ids(validated_token) -> tuple[uuid.UUID, uuid.UUID]:
    try:
        session_id = uuid.UUID(str(validated_token["sid"]))
        user_id = uuid.UUID(str(validated_token["user_id"]))
    except (KeyError, ValueError):
        raise AuthenticationFailed("Token has no session.", code="token_not_valid") from None
    return session_id, user_id


def confirmed_user(session_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = active_session_user(session_id, user_id)
    if user is None:
        raise AuthenticationFailed("This session has ended.", code="session_revoked")
    user.login_session_id = session_id
    return user


def active_session_user(session_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    """The active user signed in by this active session, or None.

    Every authenticated request runs this, so it is written as SQL (backend/rawsql.py):
    compiling the same query with the ORM took 0.5 ms, three times as long as running it.
    """
    params = [
        rawsql.prepare(LoginSession, "id", session_id),
        rawsql.prepare(User, "id", user_id),
    ]
    rows = rawsql.select(User, USER_FIELDS, _active_session_user_sql(), params)
    return User.from_db(connection.alias, USER_FIELDS, rows[0]) if rows else None


USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)


def session_condition(member: UnconfirmedMember) -> tuple[str, list]:
    """An SQL condition, with its parameters, true only while the member's session and
    account are active: a query that adds it returns no rows to a signed-out device."""
    params = [
        rawsql.prepare(LoginSession, "id", member.login_session_id),
        rawsql.prepare(User, "id", member.id),
    ]
    return _session_exists_sql(), params


@cache
def _session_exists_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"EXISTS (SELECT 1 FROM {quote(LoginSession._meta.db_table)} s"
        f" JOIN {quote(User._meta.db_table)} u ON u.id = s.user_id"
        " WHERE s.id = %s AND u.id = %s AND s.revoked_at IS NULL AND u.is_active)"
    )


@cache
def _active_session_user_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"u.{quote(field.column)}" for field in User._meta.concrete_fields)
    return (
        f"SELECT {columns} FROM {quote(User._meta.db_table)} u"
        f" JOIN {quote(LoginSession._meta.db_table)} s ON s.user_id = u.id"
        " WHERE s.id = %s AND u.id = %s AND s.revoked_at IS NULL AND u.is_active"
    )
