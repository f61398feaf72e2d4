from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from sitroom.accounts.models import Membership
from sitroom.core.navigation import NAV_ITEMS


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    memberships: list[Membership] = []
    if signed_in and user is not None:
        memberships = list(
            Membership.objects.filter(user_id=user.pk).select_related("organisation")
        )
    roles = {m.role for m in memberships}
    items = []
    for item in NAV_ITEMS:
        if not item.public and not signed_in:
            continue
        if item.roles and not (roles & item.roles):
            continue
        if item.visible is not None and not item.visible(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "active": request.path.startswith(url)})
    organisations = {m.organisation.slug: m.organisation for m in memberships}
    admin_of = {m.organisation.slug for m in memberships if m.role == "admin"}
    return {
        "nav_items": items,
        "my_organisations": [
            {"org": org, "is_admin": slug in admin_of} for slug, org in organisations.items()
        ],
        "my_roles": roles,
        "sitroom_name": settings.SITE_NAME,
    }
