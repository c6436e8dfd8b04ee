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
from rest_framework import exceptions, status
from rest_framework.settings import api_settings


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
        return super().convert_known_exceptions(exc)


def _as_drf_detail(exc: django_exceptions.ValidationError) -> dict | list:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    detail = dict(exc.message_dict)
    if django_exceptions.NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(django_exceptions.NON_FIELD_ERRORS)
    return detail


def exception_handler(exc, context):
    return ExceptionHandler(exc, context).run()


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
