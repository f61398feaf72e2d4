from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from sitroom.reports import conf
from sitroom.reports.gateways import generic_signature, twilio_signature
from sitroom.reports.models import OutboundMessage, Report
from sitroom.reports.services import report_contact, report_notify_reporter
from tests.reports.conftest import GENERIC_SECRET, TELEGRAM_SECRET, TWILIO_TOKEN

pytestmark = pytest.mark.django_db

SMS_TEXT = "Habari! Ujumbe unasema kura zimeahirishwa hadi kesho kwa sababu ya mvua kubwa https://t.me/s/Habari/55"


def post_generic(body: bytes, signature: str | None):  # type: ignore[no-untyped-def]
    headers = {"X-Sitroom-Signature": signature} if signature is not None else {}
    return Client().post(
        "/api/v1/reports/gateway/smsbox", body, content_type="application/json", headers=headers
    )


def test_generic_gateway_signed_message_becomes_report(gateways):  # type: ignore[no-untyped-def]
    body = json.dumps({"from": "+254700000001", "text": SMS_TEXT, "id": "m-1"}).encode()
    response = post_generic(body, generic_signature(GENERIC_SECRET, body))
    assert response.status_code == 200, response.content
    data = response.json()
    report = Report.objects.get(code=data["code"])
    assert report.channel == "sms" and report.gateway == "smsbox"
    assert report.language == "sw"
    assert report.urls.get().canonical == "https://t.me/habari/55"
    assert report.display_code in data["reply"]
    assert "+254700000001" not in report.contact_encrypted
    assert report_contact(report).address == "+254700000001"
    # The gateway retries the same message: same code, no second report.
    again = post_generic(body, generic_signature(GENERIC_SECRET, body))
    assert again.json()["code"] == report.code and Report.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, generic_signature("wrong-secret-000000000", b"x")],
)
def test_generic_gateway_bad_signature_is_403_and_stores_nothing(gateways, signature):  # type: ignore[no-untyped-def]
    body = json.dumps({"from": "+254700000001", "text": SMS_TEXT, "id": "m-2"}).encode()
    response = post_generic(body, signature)
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_body_changed_after_signing_is_refused(gateways):  # type: ignore[no-untyped-def]
    body = json.dumps({"from": "+1", "text": "original text of the message", "id": "m"}).encode()
    signature = generic_signature(GENERIC_SECRET, body)
    tampered = body.replace(b"original", b"tampered")
    assert post_generic(tampered, signature).status_code == 403
    assert not Report.objects.exists()


def test_unknown_gateway_is_404(gateways):  # type: ignore[no-untyped-def]
    assert (
        Client()
        .post("/api/v1/reports/gateway/nope", b"{}", content_type="application/json")
        .status_code
        == 404
    )


def _twilio_post(params: dict[str, str], *, token: str = TWILIO_TOKEN):  # type: ignore[no-untyped-def]
    url = "http://testserver/api/v1/reports/gateway/twilio"
    payload = url + "".join(k + v for k, v in sorted(params.items()))
    return Client().post(
        "/api/v1/reports/gateway/twilio",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": twilio_signature(token, payload)},
    )


def test_twilio_whatsapp_message_answers_twiml(gateways):  # type: ignore[no-untyped-def]
    params = {
        "From": "whatsapp:+2250700000002",
        "To": "whatsapp:+14155238886",
        "Body": "Ils disent que les cartes d'électeur périmées ne sont plus valables pour voter.",
        "MessageSid": "SM123",
        "NumMedia": "0",
    }
    response = _twilio_post(params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    xml = response.content.decode()
    report = Report.objects.get()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert report.display_code in xml
    assert "Votre code" in xml or "Your code" in xml  # replied in the reporter's language
    assert report.channel == "whatsapp" and report.language == "fr"


def test_twilio_forged_signature_is_403(gateways):  # type: ignore[no-untyped-def]
    params = {"From": "+2250700000003", "Body": "some rumour text here", "MessageSid": "SM9"}
    assert _twilio_post(params, token="not-the-token-000000").status_code == 403
    response = Client().post("/api/v1/reports/gateway/twilio", params)
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_telegram_update_with_secret_token(gateways):  # type: ignore[no-untyped-def]
    update = {
        "update_id": 1001,
        "message": {
            "message_id": 5,
            "chat": {"id": 424242, "type": "private"},
            "date": 1767225600,
            "text": "Este vídeo dice que la votación se ha cancelado en todo el país https://youtu.be/dQw4w9WgXcQ",
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    response = Client().post(
        "/api/v1/reports/gateway/tg",
        json.dumps(update),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    data = response.json()
    report = Report.objects.get()
    assert data["method"] == "sendMessage" and data["chat_id"] == "424242"
    assert report.display_code in data["text"]
    assert report.channel == "telegram" and report.language == "es"
    bad = Client().post(
        "/api/v1/reports/gateway/tg",
        json.dumps({**update, "update_id": 1002}),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    assert bad.status_code == 403 and Report.objects.count() == 1


def test_gateway_rate_limit_per_sender(gateways, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(conf.RATE_LIMITS, "gateway", conf.RateLimit(1, 600))
    for i, expected in ((1, 200), (2, 429)):
        body = json.dumps(
            {"from": "+1555", "text": f"rumour number {i} about the vote", "id": f"r{i}"}
        ).encode()
        response = post_generic(body, generic_signature(GENERIC_SECRET, body))
        assert response.status_code == expected
    assert "Retry-After" in response
    assert Report.objects.count() == 1


def test_outcome_reply_is_queued_for_the_gateway_to_pull(
    gateways, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    body = json.dumps({"from": "+254700000009", "text": SMS_TEXT, "id": "m-9"}).encode()
    post_generic(body, generic_signature(GENERIC_SECRET, body))
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        used = report_notify_reporter(report=report, subject="Decision", message="Decided: false.")
    assert used == ["sms"]
    message = OutboundMessage.objects.get()
    assert "+254700000009" not in message.recipient_encrypted
    assert message.status == "pending"  # no push URL: waits for the gateway
    refused = Client().get(
        "/api/v1/reports/gateway/smsbox/outbox", headers={"Authorization": "Bearer nope"}
    )
    assert refused.status_code == 403
    pulled = (
        Client()
        .get(
            "/api/v1/reports/gateway/smsbox/outbox",
            headers={"Authorization": f"Bearer {GENERIC_SECRET}"},
        )
        .json()["messages"]
    )
    assert pulled == [
        {"id": message.pk, "to": "+254700000009", "channel": "sms", "body": "Decided: false."}
    ]
    again = (
        Client()
        .get(
            "/api/v1/reports/gateway/smsbox/outbox",
            headers={"Authorization": f"Bearer {GENERIC_SECRET}"},
        )
        .json()["messages"]
    )
    assert again == []


def test_outcome_reply_is_pushed_when_a_push_url_is_set(
    gateways, monkeypatch, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    pushed = []
    settings.SITROOM_OUTBOUND_SENDER = lambda *, gateway, message, recipient: pushed.append(
        (gateway.name, recipient, message.body)
    )
    monkeypatch.setitem(
        conf.GATEWAYS,
        "smsbox",
        conf.Gateway("smsbox", "generic", GENERIC_SECRET, "sms", "https://gw.example/out"),
    )
    body = json.dumps({"from": "+254700000010", "text": SMS_TEXT, "id": "m-10"}).encode()
    post_generic(body, generic_signature(GENERIC_SECRET, body))
    with django_capture_on_commit_callbacks(execute=True):
        report_notify_reporter(report=Report.objects.get(), subject="s", message="Outcome text")
    assert pushed == [("smsbox", "+254700000010", "Outcome text")]
    assert OutboundMessage.objects.get().status == "sent"
