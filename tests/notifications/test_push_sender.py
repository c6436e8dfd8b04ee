"""The push sender's HTTP/1.1 exchange (notifications/push_sender.py): the answers push
services give, read whole; requests that could smuggle anything refused before sending."""

from __future__ import annotations

import http.client
import io
import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from notifications import push_sender

from .conftest import b64


def answer(raw: bytes) -> tuple[push_sender.Answer, bool]:
    return push_sender.read_answer(io.BytesIO(raw))


def test_an_answer_with_a_length_keeps_the_connection():
    got, closes = answer(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nLocation: /m\r\n\r\nokNEXT")

    assert (got.status, got.reason, got.body, got.delivered, closes) == (
        201,
        "Created",
        "ok",
        True,
        False,
    )


def test_a_chunked_answer_is_read_whole_and_a_continue_skipped():
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 410 Gone\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;ext=1\r\nGone\r\n6\r\n away!\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )

    got, closes = answer(raw)

    assert (got.status, got.body, got.delivered, closes) == (410, "Gone away!", False, False)


def test_an_answer_without_a_length_ends_with_the_connection():
    assert answer(b"HTTP/1.0 500 Oops\r\n\r\nbroken")[0].body == "broken"
    assert answer(b"HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n")[1] is True
    assert answer(b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")[1]


@pytest.mark.parametrize(
    "raw",
    [
        b"",  # closed before answering
        b"HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 201 Created\r\nContent-Length: ten\r\n\r\n",
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"SMTP ready\r\n\r\n",
        # Longer than any push service answers: the endpoint is the subscriber's to choose.
        b"HTTP/1.1 201 Created\r\nContent-Length: 99999999999\r\n\r\n",
        b"HTTP/1.0 201 Created\r\n\r\n" + b"x" * (push_sender.MAX_BODY + 1),
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"8000\r\n"
        + b"x" * 0x8000
        + b"\r\n"
        + b"8001\r\n"
        + b"x" * 0x8001
        + b"\r\n0\r\n\r\n",
    ],
)
def test_a_broken_exchange_is_an_http_error_never_a_value_error(raw):
    # The transport reads a ValueError as keys that cannot be used (permanent); a broken
    # exchange may work later.
    with pytest.raises(http.client.HTTPException):
        answer(raw)


def test_the_request_is_one_piece_and_refuses_control_characters():
    request = push_sender.request_bytes("push.example:8443", "/push/a", b"BODY", {"TTL": "60"})

    assert request == (
        b"POST /push/a HTTP/1.1\r\nHost: push.example:8443\r\nContent-Length: 4\r\n"
        b"TTL: 60\r\n\r\nBODY"
    )
    for path, headers in (
        ("/push/a HTTP/1.1\r\nX: 1", {}),
        ("/push/a", {"Topic": "t\r\nAuthorization: forged"}),
        ("/push/a", {"Bad Name": "x"}),
    ):
        with pytest.raises(http.client.InvalidURL):
            push_sender.request_bytes("push.example", path, b"", headers)


def test_a_message_is_encrypted_as_pywebpush_encrypts_it_and_the_device_reads_it():
    device = ec.generate_private_key(ec.SECP256R1())
    public = device.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    server, salt = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    message = json.dumps({"title": "Levothyroxine 50 mcg: 1 tablet at 06:30"}).encode()

    body = push_sender.encrypt(message, b64(public), b64(auth), key=server, salt=salt)

    expected = http_ece.encrypt(
        message, salt=salt, private_key=server, dh=public, auth_secret=auth, version="aes128gcm"
    )
    assert body == expected
    assert http_ece.decrypt(body, private_key=device, auth_secret=auth) == message
    # A new key pair and salt for every message (RFC 8291, section 3.1).
    first, second = (push_sender.encrypt(message, b64(public), b64(auth)) for _ in range(2))
    assert first[:16] != second[:16] and first[21:86] != second[21:86]
    for sent in (first, second):
        assert http_ece.decrypt(sent, private_key=device, auth_secret=auth) == message
    longest = b"x" * (push_sender.ONE_RECORD + 1)  # two records: pywebpush writes them
    sent = push_sender.encrypt(longest, b64(public), b64(auth))
    assert http_ece.decrypt(sent, private_key=device, auth_secret=auth) == longest


@pytest.mark.parametrize(
    "p256dh, auth", [("not base64!", "AAAA"), ("BAAA", "AAAAAAAA"), (None, "")]
)
def test_keys_that_cannot_be_used_are_a_value_error_before_anything_is_sent(p256dh, auth):
    device = ec.generate_private_key(ec.SECP256R1()).public_key()
    good = b64(
        device.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    with pytest.raises(ValueError):
        push_sender.encrypt(b"{}", p256dh or good, auth)
