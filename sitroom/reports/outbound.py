"""Pushing replies to a messaging gateway: a signed JSON POST to the gateway's push URL.

The sender is pluggable: ``SITROOM_OUTBOUND_SENDER`` (a Django setting holding a dotted
path or a callable taking ``gateway, message, recipient``) replaces the HTTP push, e.g. to
call a provider's own API. Gateways without a push URL pull their messages instead
(GET /api/v1/reports/gateway/<name>/outbox).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from sitroom.reports.conf import Gateway
from sitroom.reports.models import OutboundMessage

TIMEOUT_SECONDS = 10


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def http_push(*, gateway: Gateway, message: OutboundMessage, recipient: str) -> None:
    body = json.dumps(
        {"id": message.pk, "to": recipient, "channel": message.channel, "text": message.body}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator's configured https URL
        gateway.push_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Sitroom-Signature": sign(gateway.secret, body),
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"gateway {gateway.name} answered {response.status}")


def push(*, gateway: Gateway, message: OutboundMessage, recipient: str) -> None:
    """Deliver or raise (the task retries with backoff)."""
    sender: Any = getattr(settings, "SITROOM_OUTBOUND_SENDER", None) or http_push
    if isinstance(sender, str):
        sender = import_string(sender)
    sender(gateway=gateway, message=message, recipient=recipient)
