"""Rate limits counted in the shared cache (Redis), so every gunicorn worker sees the same
counts. Which limits guard which endpoint is the caller's business (accounts.throttles);
this module counts, refuses and names the client.

Counting is a fixed window aligned to the clock: the counter for "10/min" lives in a key
for the current minute, incremented atomically (Redis INCR) and expiring with the window.
A refusal is a 429 in the standard error shape (code "throttled") with a Retry-After
header: the seconds until the window ends, which also bounds how long any lock-out lasts.
Fixed windows let a burst of up to twice the limit straddle a window boundary; the long-run
rate is still the limit, and the wait is exact and never grows.

A limit either counts every attempt, or only failures (`failures_only`): the attempt is
counted up front, so parallel requests cannot slip past the limit, and given back when
the caller reports success (`Attempt.succeeded`).

When the cache is unreachable the limits are skipped (fail open) and a warning is logged:
signing in matters more than counting. After a failure the cache is left alone for
CACHE_RETRY_SECONDS, so an outage costs one connection timeout, not one per request.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.http import HttpRequest
from redis import RedisError
from rest_framework.exceptions import Throttled

from .outage import Outage

logger = logging.getLogger(__name__)

CACHE_RETRY_SECONDS = 10
CACHE_ALIAS = "default"
UNITS = {
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds"], 1),
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], 60),
    **dict.fromkeys(["h", "hour", "hours"], 3600),
    **dict.fromkeys(["d", "day", "days"], 86400),
}
RATE = re.compile(r"^(\d+)\s*/\s*(\d*)\s*([a-z]+)$")


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


def parse_rate(text: str) -> Rate | None:
    """ "10/min", "30/minute", "5/15min", "100/day" → Rate; "off" or "" → None (no limit)."""
    text = text.strip().lower()
    if text in {"", "off", "none"}:
        return None
    match = RATE.match(text)
    if not match or match.group(3) not in UNITS:
        raise ValueError(f'"{text}" is not a rate like "10/min" (units: s, min, hour, day)')
    limit, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    if limit < 1 or multiple < 1:
        raise ValueError(f'"{text}": the count and the period must be at least 1')
    return Rate(limit, multiple * UNITS[unit])


def rate_for(scope: str) -> Rate | None:
    return parse_rate(settings.RATE_LIMITS[scope])


def check_rate_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: every configured rate parses (registered by accounts.apps)."""
    errors = []
    for scope, text in settings.RATE_LIMITS.items():
        try:
            parse_rate(text)
        except ValueError as exc:
            errors.append(checks.Error(f"RATE_LIMITS[{scope!r}]: {exc}", id="ossa.E101"))
    return errors


class TooManyAttempts(Throttled):
    default_detail = "Too many attempts."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


# --- Who is asking --------------------------------------------------------------------
def client_ip(request: HttpRequest) -> str:
    """The address limits are counted against.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says that many proxies of ours stand in front
    and append to X-Forwarded-For: then the entry the outermost of them wrote, counted from
    the right. Entries further left come from the client and are never trusted, so a
    forged header cannot move a client into someone else's bucket or a fresh one.
    IPv6 clients are counted per /64, the block one subscriber usually holds.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    candidate = remote
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if len(entries) >= hops:
            candidate = entries[-hops]
    return _bucket(candidate) or _bucket(remote) or "unknown"


def _bucket(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


# --- Counting -------------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """One counter: `scope` names the rate in settings.RATE_LIMITS, `subject` who is
    counted (an address, an e-mail, a user id; only its hash reaches the cache)."""

    scope: str
    subject: str
    failures_only: bool = False


@dataclass
class Attempt:
    """An attempt counted against some limits; `succeeded()` gives back the ones that
    count failures only."""

    refundable: list[str] = field(default_factory=list)

    def succeeded(self) -> None:
        for key in self.refundable:
            _cache_call(_decrement, key)
        self.refundable.clear()


def attempt(limits: Iterable[Limit]) -> Attempt:
    """Count one attempt against every limit; raise TooManyAttempts (429) when any of them
    is over, with the longest wait among those."""
    now = time.time()
    waits: dict[str, int] = {}
    counted = Attempt()
    for limit in limits:
        rate = rate_for(limit.scope)
        if rate is None:
            continue
        key = _key(limit, rate, now)
        count = _cache_call(_increment, key, rate.window)
        if count is None:  # cache unreachable: fail open
            continue
        if limit.failures_only:
            counted.refundable.append(key)
        if count > rate.limit:
            waits[limit.scope] = max(1, math.ceil(rate.window - now % rate.window))
    if waits:
        # A refused attempt checked no password, so it is no failure: give those counts
        # back. A locked account stays locked: its count stays at the limit.
        counted.succeeded()
        logger.info("rate limit reached (%s)", ", ".join(waits))
        raise TooManyAttempts(wait=max(waits.values()))
    return counted


def _key(limit: Limit, rate: Rate, now: float) -> str:
    digest = hashlib.sha256(limit.subject.encode()).hexdigest()[:32]
    window = int(now // rate.window)
    return f"{settings.RATE_LIMIT_KEY_PREFIX}:{limit.scope}:{rate.window}:{digest}:{window}"


def _increment(cache, key: str, window: int) -> int:
    # A new window's key is created with its expiry; INCR then counts atomically. If the
    # key expired in between, create it again.
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 0, timeout=window + 1)
        return cache.incr(key)


def _decrement(cache, key: str) -> None:
    # When the window has ended, its counter is gone: nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


cache_outage = Outage(CACHE_RETRY_SECONDS)  # per cache location


def _cache_call(operation, *args):
    """Run a cache operation; None when the cache is unreachable (and for a while after)."""
    location = str(settings.CACHES[CACHE_ALIAS].get("LOCATION", ""))
    if cache_outage.ongoing(location):
        return None
    try:
        return operation(caches[CACHE_ALIAS], *args)
    except RedisError as exc:
        cache_outage.began(location)
        logger.warning(
            "rate limits are not enforced: the cache is unreachable (%s); retrying in %d seconds",
            exc,
            CACHE_RETRY_SECONDS,
        )
        return None
