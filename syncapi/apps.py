from django.apps import AppConfig


class SyncApiConfig(AppConfig):
    """The WatermelonDB sync protocol, on top of every app: imported only by backend/urls.py,
    tests and bench (docs/architecture.md#layers-and-dependencies)."""

    name = "syncapi"
    verbose_name = "Sync protocol"
