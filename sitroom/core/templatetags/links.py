"""``href``: a link from stored data is only rendered if it cannot run script.

Posts, fact-check imports, partners' feeds and reports carry URLs written by outsiders. A
``javascript:`` or ``data:`` URL in an ``href`` runs in the app's origin on a click, so every
template that links to such a URL passes it through this filter (loaded as a builtin, see
settings.TEMPLATES). Ingestion refuses those schemes too; this is the second line.
"""

from __future__ import annotations

from django import template

from sitroom.lib.urls import safe_href

register = template.Library()
register.filter("href", safe_href, is_safe=False)
