"""Request bodies: gzip-encoded ones are accepted, and a few paths take larger ones.

A phone that was offline for years holds more doses than MAX_BODY_BYTES: its sync push
must still go through, so paths in LARGE_BODY_PATHS have their own limit, and any body may
come gzip-encoded (the app compresses its pushes). Limits apply to the decoded body, so a
small compressed body cannot expand past them. Everything else is left to Django, which
refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 (backend.errors).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body

CHUNK = 64 * 1024


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def body_limit(path: str) -> int:
    return settings.LARGE_BODY_PATHS.get(path, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class RequestBodyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
        limit = body_limit(request.path)
        if encoding in ("", "identity") and limit == settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return self.get_response(request)
        try:
            body = read_body(request, limit, encoding)
        except BodyRefused as refused:
            body = error_body("client_error", refused.code, refused.detail)
            return JsonResponse(body, status=refused.status)
        _replace_body(request, body)
        return self.get_response(request)


def read_body(request: HttpRequest, limit: int, encoding: str) -> bytes:
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        detail = f"Content-Encoding {encoding!r} is not accepted; send gzip or no encoding."
        raise BodyRefused(415, "unsupported_media_type", detail)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BodyRefused(400, "bad_request", "Content-Length must be a number.") from None
    if length > limit:
        raise _too_large(limit)
    if encoding in ("", "identity"):
        return request.read()
    return _gunzip(request, limit)


def _gunzip(request: HttpRequest, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = io.BytesIO()
    try:
        while chunk := request.read(CHUNK):
            out.write(inflater.decompress(chunk, limit + 1 - out.tell()))
            if out.tell() > limit or inflater.unconsumed_tail:
                raise _too_large(limit)
        out.write(inflater.flush())
    except zlib.error:
        raise BodyRefused(400, "parse_error", "The body is not valid gzip.") from None
    if not inflater.eof or inflater.unused_data:
        raise BodyRefused(400, "parse_error", "The gzip body is incomplete or has extra data.")
    if out.tell() > limit:
        raise _too_large(limit)
    return out.getvalue()


def _too_large(limit: int) -> BodyRefused:
    detail = f"The request body is too large (at most {limit:,} bytes, after decompression)."
    return BodyRefused(413, "payload_too_large", detail)


def _replace_body(request: HttpRequest, body: bytes) -> None:
    """What Django's HttpRequest.body would have left behind, with the decoded bytes."""
    request._body = body
    request._stream = io.BytesIO(body)
    request.META["CONTENT_LENGTH"] = str(len(body))
    request.META.pop("HTTP_CONTENT_ENCODING", None)
