from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "sitroom.reports"
    label = "reports"
    verbose_name = _("Public reports")

    def ready(self) -> None:
        from sitroom.core.navigation import NavItem, register

        register(NavItem(_("Report something"), "reports:form", public=True))
        register(NavItem(_("Track a report"), "reports:track", public=True))
