"""The admin's sign-in form, limited like the API's sign-in (accounts.throttles)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from unfold.forms import AuthenticationForm

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
