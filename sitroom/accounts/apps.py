from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sitroom.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        from sitroom.accounts import signals  # noqa: F401 - connects the receivers
