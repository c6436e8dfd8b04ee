"""Settings for the benchmarks: the application's own, plus the framework-floor view."""

from backend.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
