from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reform_portal.accounts"
    label = "accounts"
    verbose_name = "账号安全"

    def ready(self):
        from . import schema, signals  # noqa: F401  (the OpenAPI extension and the password-change hook)
