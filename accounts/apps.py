from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from backend import throttling
        from backend.admin_history import guard_history_views

        from . import schema  # noqa: F401  (registers the OpenAPI auth extension)

        checks.register(throttling.check_rate_settings)
        # Admin autodiscovery ran in django.contrib.admin's ready(), listed before us.
        guard_history_views()
