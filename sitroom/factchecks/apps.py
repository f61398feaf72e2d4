from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactchecksConfig(AppConfig):
    name = "sitroom.factchecks"
    label = "factchecks"
    verbose_name = _("Fact-checks")

    def ready(self) -> None:
        from sitroom.core.navigation import NavItem, register
        from sitroom.factchecks.selectors import newsroom_memberships

        register(NavItem(_("Fact-checks"), "factchecks:public_list", public=True))
        register(
            NavItem(
                _("Claims queue"),
                "factchecks:queue",
                roles=frozenset({"factchecker", "admin"}),
                visible=lambda user: newsroom_memberships(user).exists(),
            )
        )
