"""Navigation per role. Apps add entries here; the menu shows only what a person may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: everyone signed in
    public: bool = False
    # The same access check the view uses, so the menu never offers a page that would 404.
    visible: Callable[[Any], bool] | None = None


NAV_ITEMS: list[NavItem] = [
    NavItem(_("API tokens"), "accounts:api_tokens"),
]


def register(item: NavItem, *, position: int | None = None) -> None:
    if any(existing.url_name == item.url_name for existing in NAV_ITEMS):
        return
    if position is None:
        NAV_ITEMS.append(item)
    else:
        NAV_ITEMS.insert(position, item)
