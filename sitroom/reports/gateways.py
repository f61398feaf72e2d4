"""Messaging gateways: verify a webhook, read the message, answer in the gateway's format.

Three kinds (configured in SITROOM_GATEWAY_SECRETS, see conf.py):

- ``generic``: JSON ``{"from": "+225…", "text": "…", "id": "msg-1", "channel": "sms"}`` with
  ``X-Sitroom-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>``; answers
  JSON ``{"code", "display_code", "tracking_url", "reply"}``.
- ``twilio``: Twilio's form post (From, Body, MessageSid), verified with X-Twilio-Signature
  (base64 HMAC-SHA1 of the full URL followed by the sorted POST parameters, keyed with the
  auth token); answers TwiML ``<Response><Message>…</Message></Response>``.
- ``telegram``: a Bot API update, verified with X-Telegram-Bot-Api-Secret-Token; answers
  with a ``sendMessage`` method call in the webhook response.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from sitroom.reports.conf import Gateway


@dataclass(frozen=True)
class Inbound:
    sender: str  # phone number or chat id: where a reply goes
    text: str
    message_id: str
    channel: str


class NotAMessage(Exception):
    """A valid webhook call that carries no report (a delivery receipt, an edited message)."""


def verify(gateway: Gateway, request: HttpRequest) -> bool:
    if gateway.kind == "generic":
        given = request.headers.get("X-Sitroom-Signature", "").removeprefix("sha256=").strip()
        expected = hmac.new(gateway.secret.encode(), request.body, hashlib.sha256).hexdigest()
        return bool(given) and hmac.compare_digest(given.lower(), expected)
    if gateway.kind == "twilio":
        given = request.headers.get("X-Twilio-Signature", "")
        if not given:
            return False
        params = "".join(
            key + value for key, values in sorted(request.POST.lists()) for value in values
        )
        candidates = {
            request.build_absolute_uri(),
            settings.SITE_URL + request.get_full_path(),
        }
        return any(
            hmac.compare_digest(given, twilio_signature(gateway.secret, url + params))
            for url in candidates
        )
    if gateway.kind == "telegram":
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return bool(given) and hmac.compare_digest(given, gateway.secret)
    return False


def twilio_signature(token: str, payload: str) -> str:
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def generic_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse(gateway: Gateway, request: HttpRequest) -> Inbound:
    """The message in a verified request; ValueError when it is malformed."""
    if gateway.kind == "twilio":
        sender = request.POST.get("From", "")
        channel = gateway.channel
        if sender.startswith("whatsapp:"):
            channel = "whatsapp"
        return Inbound(
            sender=sender,
            text=request.POST.get("Body", ""),
            message_id=request.POST.get("MessageSid", "") or request.POST.get("SmsSid", ""),
            channel=channel,
        )
    data = json.loads(request.body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if gateway.kind == "telegram":
        message = data.get("message") or data.get("channel_post")
        if not isinstance(message, dict):
            raise NotAMessage
        chat = message.get("chat") or {}
        return Inbound(
            sender=str(chat.get("id", "")),
            text=str(message.get("text") or message.get("caption") or ""),
            message_id=str(data.get("update_id", "")),
            channel="telegram",
        )
    channel = str(data.get("channel") or gateway.channel)
    return Inbound(
        sender=str(data.get("from", "")),
        text=str(data.get("text", "")),
        message_id=str(data.get("id", "")),
        channel=channel,
    )


def reply(
    gateway: Gateway,
    inbound: Inbound | None,
    text: str,
    *,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    if gateway.kind == "twilio":
        body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    if gateway.kind == "telegram":
        if inbound is None or not inbound.sender:
            return JsonResponse({"ok": True}, status=status)
        return JsonResponse(
            {"method": "sendMessage", "chat_id": inbound.sender, "text": text}, status=status
        )
    return JsonResponse({"reply": text, **(extra or {})}, status=status)
