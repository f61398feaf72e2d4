"""The API's pagination (settings.REST_FRAMEWORK); its own module, as DRF imports it early."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` with bounds: a limit above ``max_limit`` is cut to it, and an
    offset past any table's end is an empty page (``limit=10**20`` once reached the database
    as a number it could not hold: a 500)."""

    max_limit = 500
    max_offset = 2**31

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), self.max_offset)
