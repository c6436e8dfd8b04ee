"""JSON from clients, bounded: every request body, sync column and query parameter that
holds JSON is read here.

Python's json module recurses once per nesting level, so a body of a few thousand `[`
raised RecursionError (a 500) inside DRF's parser. orjson parses iteratively up to 1,024
levels, refuses NaN, infinities and lone surrogates (which PostgreSQL would refuse later),
and is faster; a second, iterative pass then bounds the depth far below anything the code
that walks the value could trip on.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Ossa's deepest real document is a sync push: {"changes": {table: {"created": [{...}]}}}
# with JSON text columns decoded separately, so 4 levels; 32 leaves room for any client.
MAX_DEPTH = 32


class JSONError(ValueError):
    """Not JSON, or JSON nested deeper than allowed; the message is for people."""


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise JSONError(f"JSON nested more than {max_depth} levels deep.") from exc
        raise JSONError(f"Not valid JSON: {exc}") from exc
    if too_deep(value, max_depth):
        raise JSONError(f"JSON nested more than {max_depth} levels deep.")
    return value


def too_deep(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Whether lists and objects nest deeper than max_depth (a scalar is depth 0)."""
    if not isinstance(value, dict | list):
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on `loads` above: a parse_error (400) instead of a 500. A subclass,
    because DRF then reads the body through Django's size check (413)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = stream.read()
            return loads(data if encoding.lower() in ("utf-8", "utf8") else data.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - not {encoding} text.") from exc
        except JSONError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
