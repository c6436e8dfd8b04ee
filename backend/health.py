"""What /healthz checks: the database, the cache and the Celery broker (all Redis here)."""

from __future__ import annotations

from django.conf import settings
from redis.asyncio import Redis as RedisClient


def broker_client() -> RedisClient:
    return RedisClient.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1)


HEALTH_CHECKS = (
    "health_check.checks.Database",
    "health_check.checks.Cache",
    ("health_check.contrib.redis.Redis", {"client_factory": broker_client}),
)
