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

from sitroom.lib.values import json_text
from sitroom.nlp.text import scrub
from sitroom.reports.conf import Gateway


@dataclass(frozen=True)
class Inbound:
    sender: str  # phone number or chat id: where a reply goes
    text: str
    message_id: str  # "" when the gateway gave none: no idempotency key
    channel: str


class NotAMessage(Exception):
    """A valid webhook call that carries no report (a delivery receipt, an edited message)."""


class Malformed(ValueError):
    """A verified call whose body is not a message we understand; ``sender`` is where a reply
    can still go (a Telegram chat), if that much could be read."""

    def __init__(self, message: str, *, sender: str = "") -> None:
        super().__init__(message)
        self.sender = sender


def _same(given: str, expected: str) -> bool:
    # Bytes, not str: compare_digest refuses a str with non-ASCII characters (a TypeError).
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def verify(gateway: Gateway, request: HttpRequest) -> bool:
    if gateway.kind == "generic":
        given = request.headers.get("X-Sitroom-Signature", "").removeprefix("sha256=").strip()
        expected = hmac.new(gateway.secret.encode(), request.body, hashlib.sha256).hexdigest()
        return _same(given.lower(), expected)
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
            _same(given, twilio_signature(gateway.secret, url + params)) for url in candidates
        )
    if gateway.kind == "telegram":
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return _same(given, gateway.secret)
    return False


def secret_matches(gateway: Gateway, given: str) -> bool:
    """``given`` (from a header, any characters) is the gateway's secret."""
    return _same(given, gateway.secret)


def twilio_signature(token: str, payload: str) -> str:
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def generic_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _string(value: Any, name: str, *, numbers: bool = False, sender: str = "") -> str:
    """A JSON string (or, with ``numbers``, an integer id) as text; missing or null is ""."""
    text = json_text(value, numbers=numbers)
    if text is None:
        kind = "a string or an integer" if numbers else "a string"
        raise Malformed(f'"{name}" must be {kind}.', sender=sender)
    return scrub(text)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except RecursionError:
        raise Malformed("The JSON is nested too deeply.") from None
    except ValueError:  # also UnicodeDecodeError: not UTF-8
        raise Malformed("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Malformed("Expected a JSON object.")
    return data


def parse(gateway: Gateway, request: HttpRequest) -> Inbound:
    """The message in a verified request; Malformed (a ValueError) when it is not one.

    Every field has one type: text a string, sender and message id a string or an integer.
    Text is scrubbed of what the database cannot store (NUL, lone surrogates).
    """
    if gateway.kind == "twilio":
        sender = scrub(request.POST.get("From", ""))
        channel = gateway.channel
        if sender.startswith("whatsapp:"):
            channel = "whatsapp"
        return Inbound(
            sender=sender,
            text=scrub(request.POST.get("Body", "")),
            message_id=scrub(request.POST.get("MessageSid", "") or request.POST.get("SmsSid", "")),
            channel=channel,
        )
    data = _json_body(request)
    if gateway.kind == "telegram":
        message = data.get("message") or data.get("channel_post")
        if not isinstance(message, dict):
            raise NotAMessage
        chat = message.get("chat")
        if not isinstance(chat, dict):
            raise Malformed('"chat" must be an object.')
        sender = _string(chat.get("id"), "chat.id", numbers=True)
        if not sender:
            raise Malformed('"chat.id" is missing.')
        text = _string(message.get("text"), "text", sender=sender) or _string(
            message.get("caption"), "caption", sender=sender
        )
        return Inbound(
            sender=sender,
            text=text,
            message_id=_string(data.get("update_id"), "update_id", numbers=True, sender=sender),
            channel="telegram",
        )
    sender = _string(data.get("from"), "from", numbers=True)
    return Inbound(
        sender=sender,
        text=_string(data.get("text"), "text", sender=sender),
        # No id: no idempotency key (duplicate folding still catches a resend of the same
        # text); never a constant shared by every message.
        message_id=_string(data.get("id"), "id", numbers=True, sender=sender),
        channel=_string(data.get("channel"), "channel", sender=sender) or gateway.channel,
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
