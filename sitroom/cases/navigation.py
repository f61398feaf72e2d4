"""Menu entries of the cases app, with the unread-notification count in its label."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sitroom.audit.context import current_actor
from sitroom.core.navigation import NavItem, register


class NotificationsLabel(Promise):
    """Rendered per request: the menu reads the acting user set by the audit middleware."""

    def __init__(self) -> None:
        pass

    def __str__(self) -> str:
        from sitroom.cases.models import Notification

        user_id = current_actor().user_id
        count = Notification.objects.filter(user_id=user_id, read_at=None).count() if user_id else 0
        if count:
            return _("Notifications (%(count)d)") % {"count": count}
        return _("Notifications")


def register_navigation() -> None:
    from sitroom.cases.selectors import is_review_member

    register(
        NavItem(
            gettext_lazy("Cases"),
            "cases:queue",
            roles=frozenset({"reviewer", "admin"}),
            visible=is_review_member,
        )
    )
    register(NavItem(gettext_lazy("Register"), "cases:register", public=True))
    register(NavItem(gettext_lazy("Review criteria"), "cases:criteria", public=True))
    register(NavItem(NotificationsLabel(), "cases:notifications"))
