"""DRF fields the APIs share."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# DRF's own word for a value that is not a string.
NOT_STRING = "Not a valid string."


class _StringOnly:
    """A JSON number or boolean is refused, not stored as its ``str()`` ("text": 42)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_STRING, code="invalid")
        return super().to_internal_value(data)  # type: ignore[misc]


class StringField(_StringOnly, serializers.CharField):
    pass


class StringEmailField(_StringOnly, serializers.EmailField):
    pass
