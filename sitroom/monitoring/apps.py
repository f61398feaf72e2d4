from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "sitroom.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from sitroom.accounts.models import Role
        from sitroom.core.navigation import NavItem, register

        register(
            NavItem(
                _("Monitoring"),
                "monitoring:index",
                roles=frozenset({Role.MONITOR, Role.ANALYST, Role.ADMIN}),
            )
        )
