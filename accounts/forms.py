"""The admin's password checks, limited like the API's (accounts.throttles): its sign-in
and a staff member changing their own password."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from unfold.forms import AdminOwnPasswordChangeForm, AuthenticationForm

from backend import throttling

from . import throttles


class ThrottledAdminLoginForm(AuthenticationForm):
    """Dietitians and operators sign in here: counted per client address (every attempt)
    and per account (failed attempts), sharing the API's counters."""

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        try:
            attempt = throttling.attempt(throttles.password_check(self.request, email))
        except throttling.TooManyAttempts as exc:
            raise ValidationError(str(exc.detail), code="throttled") from exc
        cleaned = super().clean()
        attempt.succeeded()
        return cleaned


class ThrottledOwnPasswordChangeForm(AdminOwnPasswordChangeForm):
    """Staff changing their own password: the current one is checked like a sign-in, so
    a borrowed admin session cannot be used to guess it."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        limits = throttles.password_check(self.request, self.user.email)
        try:
            attempt = throttling.attempt(limits)
        except throttling.TooManyAttempts as exc:
            raise ValidationError(str(exc.detail), code="throttled") from exc
        old_password = super().clean_old_password()
        attempt.succeeded()
        return old_password
