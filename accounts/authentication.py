from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication

from .models import LoginSession


class SessionJWTAuthentication(JWTAuthentication):
    """JWT whose sign-in session must still be active: revoking a device is immediate.

    One query per request, the same as plain simplejwt's user look-up.
    """

    def get_user(self, validated_token):
        session_id = validated_token.get("sid")
        if session_id is None:
            raise AuthenticationFailed("Token has no session.", code="token_not_valid")
        session = (
            LoginSession.objects.select_related("user")
            .filter(id=session_id, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if session is None or str(session.user_id) != str(validated_token.get("user_id")):
            raise AuthenticationFailed("This session has ended.", code="session_revoked")
        session.user.login_session_id = session.id
        return session.user
