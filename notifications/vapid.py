"""Development VAPID keys, generated once into var/ (production sets them in the env)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def development_keys(var_dir: Path) -> tuple[str, str]:
    """(public, private) as the URL-safe base64 strings browsers and pywebpush expect."""
    path = Path(var_dir) / "vapid.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(zip(("public", "private"), generate_keys(), strict=True))))
        path.chmod(0o600)
    keys = json.loads(path.read_text())
    return keys["public"], keys["private"]


def generate_keys() -> tuple[str, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    raw_public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    raw_private = private.private_numbers().private_value.to_bytes(32, "big")
    return _b64(raw_public), _b64(raw_private)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
