"""The API's JSON parser (settings.REST_FRAMEWORK): DRF's, with nesting too deep for Python's
decoder answered as a 400 like any other bad JSON (it was a 500: DRF turns only ValueError
into a parse error, and a deep nest raises RecursionError)."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
