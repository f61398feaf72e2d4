from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sitroom.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"
