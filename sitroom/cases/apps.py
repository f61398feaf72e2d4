from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "sitroom.cases"
    label = "cases"
    verbose_name = _("Cases, review and register")

    def ready(self) -> None:
        from sitroom.cases.navigation import register_navigation

        register_navigation()
