from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from backend import throttling

        from . import schema  # noqa: F401  (registers the OpenAPI auth extension)

        checks.register(throttling.check_rate_settings)
