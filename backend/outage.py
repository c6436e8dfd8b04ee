"""After one failed call to a dependency (the broker, the cache), skip it for a while:
every request waiting out its connection timeout during an outage would exhaust the web
workers. Callers decide what skipping means (a batch catches up, limits fail open)."""

from __future__ import annotations

import time


class Outage:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._until: dict[str, float] = {}

    def ongoing(self, key: str = "") -> bool:
        return time.monotonic() < self._until.get(key, 0.0)

    def began(self, key: str = "") -> None:
        self._until[key] = time.monotonic() + self.seconds

    def forget(self, key: str | None = None) -> None:
        """Try again on the next call (tests, and after a known recovery)."""
        if key is None:
            self._until.clear()
        else:
            self._until.pop(key, None)
