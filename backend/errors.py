"""One error shape everywhere: {"type", "errors": [{"code", "detail", "attr"}]}.

drf-standardized-errors formats what DRF raises; this module adds the few cases that
reach us from Django itself (oversized bodies, model validation, unmatched URLs), so a
client never sees an HTML page or a 500 for bad input.
"""

from __future__ import annotations

from django.core import exceptions as django_exceptions
from django.http import HttpRequest, JsonResponse
from django.views import defaults
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from drf_standardized_errors.openapi import AutoSchema as BaseAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework_simplejwt.exceptions import DetailDictMixin


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ExceptionHandler(BaseExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, django_exceptions.RequestDataTooBig):
            return PayloadTooLarge()
        if isinstance(exc, django_exceptions.ValidationError):
            return exceptions.ValidationError(_as_drf_detail(exc))
        if isinstance(exc, DetailDictMixin):
            # simplejwt's token errors carry {"detail", "code"} as their detail, which would
            # come out as two errors with attr "detail" and "code": make it one.
            return exceptions.AuthenticationFailed(
                str(exc.detail.get("detail", "")), code=str(exc.detail.get("code", ""))
            )
        return super().convert_known_exceptions(exc)


def problems(exc: django_exceptions.ValidationError) -> dict[str | None, list[tuple[str, str]]]:
    """A Django ValidationError as {field or None: [(message, code)]}, codes kept (a client
    switches on them: confirmation_required, …); "invalid" where none was given."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
    found: dict[str | None, list[tuple[str, str]]] = {}
    for name, errors in by_field.items():
        field = None if name == django_exceptions.NON_FIELD_ERRORS else name
        for error in errors:
            for single in error.error_list if hasattr(error, "error_list") else [error]:
                message = single.message % single.params if single.params else single.message
                found.setdefault(field, []).append((str(message), single.code or "invalid"))
    return found


def _as_drf_detail(exc: django_exceptions.ValidationError) -> dict | list:
    found = problems(exc)
    as_details = {
        field: [exceptions.ErrorDetail(message, code) for message, code in errors]
        for field, errors in found.items()
    }
    if not hasattr(exc, "error_dict"):
        return as_details.get(None, [])
    if None in as_details:
        as_details[api_settings.NON_FIELD_ERRORS_KEY] = as_details.pop(None)
    return as_details


# --- The shape in the API schema ------------------------------------------------------
# drf-standardized-errors documents 400 to 429 on every operation that can answer them
# (DRF_STANDARDIZED_ERRORS in settings; its ERROR_SCHEMAS puts in ours for 400 and 401,
# where we answer more than its defaults allow). Views name the others where they send them.
class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="For programs: required, invalid, wrong_password...")
    detail = serializers.CharField(help_text="For people: what went wrong.")
    attr = serializers.CharField(
        allow_null=True,
        help_text="The field, dotted for nested ones with list positions "
        "(ingredients.0.amount); non_field_errors or null when about the request as a whole.",
    )


class ErrorResponse400Serializer(serializers.Serializer):
    """Refused as a whole; nothing was changed."""

    type = serializers.ChoiceField(
        choices=["validation_error", "client_error"],
        help_text="validation_error: a field or the request is not acceptable (attr says "
        "which); client_error: the body is not JSON (code parse_error).",
    )
    errors = FieldErrorSerializer(many=True)


def error_response_serializer(name: str, codes: list[str]) -> type[serializers.Serializer]:
    """{"type": "client_error", "errors": [{"code": one of codes, "detail", "attr"}]}."""
    error = type(
        f"{name}ErrorSerializer",
        (serializers.Serializer,),
        {
            "code": serializers.ChoiceField(choices=codes),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
    )
    return type(
        f"{name}ResponseSerializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=ClientErrorEnum.choices),
            "errors": error(many=True),
        },
    )


AUTHENTICATION_CODES = [
    "not_authenticated",  # no credentials
    "authentication_failed",
    "bad_authorization_header",
    "token_not_valid",  # a bad or expired token, or the wrong kind
    "session_revoked",  # the device was signed out (accounts.authentication)
    "refresh_token_reused",  # a used refresh token again: its session is ended
]
ErrorResponse401Serializer = error_response_serializer("Unauthenticated", AUTHENTICATION_CODES)
PayloadTooLargeResponseSerializer = error_response_serializer(
    "PayloadTooLarge", ["payload_too_large"]
)


class AutoSchema(BaseAutoSchema):
    """drf-standardized-errors' schema, with 413 only where a body is read (MAX_BODY_BYTES)."""

    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code == "413" and (
            self.method not in ("POST", "PUT", "PATCH") or self.get_request_serializer() is None
        ):
            return False
        return super()._should_add_error_response(responses, status_code)


def error_body(error_type: str, code: str, detail: str, attr: str | None = None) -> dict:
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def _wants_json(request: HttpRequest) -> bool:
    return not request.path.startswith("/admin/")


def not_found(request: HttpRequest, exception: Exception | None = None):
    if _wants_json(request):
        return JsonResponse(error_body("client_error", "not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None):
    if isinstance(exception, django_exceptions.RequestDataTooBig):
        body = error_body("client_error", "payload_too_large", "The request body is too large.")
        return JsonResponse(body, status=413)
    if _wants_json(request):
        body = error_body("client_error", "bad_request", "The request could not be understood.")
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None):
    if _wants_json(request):
        body = error_body("client_error", "permission_denied", "Permission denied.")
        return JsonResponse(body, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest):
    if _wants_json(request):
        body = error_body("server_error", "error", "A server error occurred.")
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
