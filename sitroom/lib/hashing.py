"""Keyed hashes for personal data we must compare but never keep (IP addresses)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under the deployment key, separated by ``purpose``."""
    key = hashlib.sha256(f"{settings.IP_HASH_KEY}:{purpose}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only for the configured proxy hops."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def ip_hash(request: HttpRequest, *, purpose: str = "ip") -> str:
    return keyed_hash(client_ip(request), purpose=purpose)
