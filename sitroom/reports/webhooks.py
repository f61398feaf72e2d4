"""Webhooks for messaging gateways (SMS, WhatsApp, Telegram): reports by message.

A call whose signature does not verify gets 403 and nothing is stored. A gateway's own
message id (with the sender) is the idempotency key, so its retries never make a second report.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sitroom.lib.hashing import keyed_hash
from sitroom.reports import conf, gateways
from sitroom.reports.models import Category, Channel
from sitroom.reports.ratelimit import rate_limit_hit
from sitroom.reports.services import (
    IdempotencyConflict,
    Intake,
    ReportDraft,
    ReportInvalid,
    outbound_claim,
    report_submit,
    tracking_url,
    urls_from_text,
)
from sitroom.reports.uploads import UploadRejected

logger = logging.getLogger("sitroom.reports.gateways")
MAX_WEBHOOK_BYTES = 64 * 1024


def _gateway(name: str) -> conf.Gateway:
    gateway = conf.GATEWAYS.get(name)
    if gateway is None:
        raise Http404
    return gateway


def _ui_language(code: str) -> str:
    available = {c for c, _name in settings.LANGUAGES}
    return code if code in available else settings.LANGUAGE_CODE


def _receipt_text(intake: Intake) -> str:
    report = intake.report
    if intake.created:
        text = _("Thank you. Your report is received. Your code is %(code)s.")
    else:
        text = _("We already have this report. Your code is %(code)s.")
    text = text % {"code": report.display_code}
    text += " " + _("Follow it at %(url)s") % {"url": tracking_url(report)}
    if intake.instant:
        best = intake.instant[0]
        text += " " + _("Already checked: %(rating)s. %(title)s %(url)s") % {
            "rating": best.rating_label,
            "title": best.title,
            "url": best.url,
        }
    return text


def _help_text() -> str:
    return _(
        "Send us the message or link you want checked, in one text. We will reply with a "
        "code to follow your report."
    )


@csrf_exempt
@require_POST
def gateway_inbound(request: HttpRequest, gateway: str) -> HttpResponse:
    gw = _gateway(gateway)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WEBHOOK_BYTES:
        return JsonResponse({"detail": "Request too large."}, status=413)
    if not gateways.verify(gw, request):
        logger.warning("gateway %s: signature did not verify; nothing stored", gw.name)
        return JsonResponse({"detail": "Signature verification failed."}, status=403)
    try:
        inbound = gateways.parse(gw, request)
    except gateways.NotAMessage:
        return gateways.reply(gw, None, "")
    except gateways.Malformed as exc:
        logger.warning("gateway %s: malformed message (%s); nothing stored", gw.name, exc)
        if gw.kind == "generic":
            return JsonResponse({"detail": f"Malformed message: {exc}"}, status=400)
        # Twilio and Telegram resend anything but a 200, forever: answer it, with the help.
        to = gateways.Inbound(exc.sender, "", "", gw.channel) if exc.sender else None
        return gateways.reply(gw, to, _help_text())
    sender = keyed_hash(f"{gw.name}:{inbound.sender}", purpose="report-sender")
    verdict = rate_limit_hit(bucket="gateway", sender_hash=sender)
    if not verdict.allowed:
        text = _("You have sent many reports. Please try again in %(minutes)d minutes.") % {
            "minutes": max(1, verdict.retry_after // 60)
        }
        if gw.kind == "generic":
            response = gateways.reply(gw, inbound, text, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return gateways.reply(gw, inbound, text)  # these gateways retry anything but 200

    text = inbound.text.strip()
    if not text or text.startswith("/start"):
        return gateways.reply(gw, inbound, _help_text())
    draft = ReportDraft(
        category=Category.OTHER,
        urls=urls_from_text(text)[: conf.MAX_URLS],
        text=text[: conf.MAX_TEXT_CHARS],
        reply_address=inbound.sender,
    )
    channel = inbound.channel if inbound.channel in Channel.values else Channel.OTHER
    try:
        intake = report_submit(
            draft=draft,
            channel=channel,
            sender_hash=sender,
            gateway=gw.name,
            # Per sender: a gateway whose ids count per phone number must not make one
            # person's message a "retry" of another's.
            idempotency_key=f"{inbound.sender}\x1f{inbound.message_id}"
            if inbound.message_id
            else None,
        )
    except (ReportInvalid, UploadRejected):
        return gateways.reply(gw, inbound, _help_text())
    except IdempotencyConflict:
        # The same message id from this sender, with another text: not stored.
        logger.warning("gateway %s: message id reused for a different message", gw.name)
        text = _("We could not take this message. Please send it again as a new message.")
        if gw.kind == "generic":
            return gateways.reply(
                gw,
                inbound,
                text,
                extra={"detail": "This message id was already used for a different message."},
                status=409,
            )
        return gateways.reply(gw, inbound, text)
    with translation.override(_ui_language(intake.report.language)):
        message = _receipt_text(intake)
    extra = {
        "code": intake.report.code,
        "display_code": intake.report.display_code,
        "tracking_url": tracking_url(intake.report),
        "duplicate": not intake.created,
    }
    return gateways.reply(gw, inbound, message, extra=extra)


@require_GET
def gateway_outbox(request: HttpRequest, gateway: str) -> HttpResponse:
    """Replies waiting for a gateway that pulls (Authorization: Bearer <gateway secret>)."""
    gw = _gateway(gateway)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not gateways.secret_matches(gw, given):
        return JsonResponse({"detail": "Authentication failed."}, status=403)
    try:
        limit = min(max(int(request.GET.get("limit", 50)), 1), 200)
    except ValueError:
        limit = 50
    return JsonResponse({"messages": outbound_claim(gateway=gw.name, limit=limit)})
