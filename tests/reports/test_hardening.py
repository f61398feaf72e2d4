"""Inputs found by probing a running instance: each once crashed, lost data or leaked."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from sitroom.reports import conf
from sitroom.reports.gateways import generic_signature, twilio_signature
from sitroom.reports.models import Report, ReportAttachment
from sitroom.reports.services import ReportDraft, report_contact, report_draft_errors
from tests.reports.conftest import (
    GENERIC_SECRET,
    TELEGRAM_SECRET,
    TWILIO_TOKEN,
    jpeg_with_gps,
    report_payload,
)

pytestmark = pytest.mark.django_db

FORM = {
    "category": "electoral_process",
    "text": "Le vote est reporté à jeudi dans la région des Lagunes, selon un message WhatsApp.",
    "region": "lagunes",
}


def post_json(payload: object, client: Client | None = None, **headers: str):  # type: ignore[no-untyped-def]
    return (client or Client()).post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json", headers=headers
    )


def post_generic(payload: object):  # type: ignore[no-untyped-def]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Client().post(
        "/api/v1/reports/gateway/smsbox",
        body,
        content_type="application/json",
        headers={"X-Sitroom-Signature": generic_signature(GENERIC_SECRET, body)},
    )


def post_telegram(update: object):  # type: ignore[no-untyped-def]
    return Client().post(
        "/api/v1/reports/gateway/tg",
        json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )


def post_twilio(params: dict[str, str]):  # type: ignore[no-untyped-def]
    url = "http://testserver/api/v1/reports/gateway/twilio"
    payload = url + "".join(k + v for k, v in sorted(params.items()))
    return Client().post(
        "/api/v1/reports/gateway/twilio",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, payload)},
    )


def upload(data: bytes, name: str = "photo.jpg"):  # type: ignore[no-untyped-def]
    return Client().post(
        "/api/v1/reports",
        {"category": "other", "text": "see the picture", "files": [SimpleUploadedFile(name, data)]},
    )


# --- 1. seen_at within a sensible range ----------------------------------------------------


@pytest.mark.parametrize(
    ("seen_at", "message"),
    [
        ("0001-01-01T00:00:00+05:00", "from the year 2000 on"),
        ("1999-12-31T23:59:59Z", "from the year 2000 on"),
        ("9999-12-31T23:59:59-05:00", "in the future"),
    ],
)
def test_seen_at_out_of_range_is_a_field_error_in_the_api(seen_at: str, message: str):
    response = post_json({"text": "x", "category": "other", "seen_at": seen_at})
    assert response.status_code == 400, response.content
    assert message in response.json()["errors"]["seen_at"][0]
    assert not Report.objects.exists()


def test_seen_at_out_of_range_is_a_field_error_in_the_web_form():
    response = Client().post("/report/", {**FORM, "seen_at": "0001-01-01T00:00"})
    assert response.status_code == 400
    assert "from the year 2000 on" in response.content.decode()
    ok = Client().post("/report/", {**FORM, "seen_at": "2024-05-01T10:00"})
    assert ok.status_code == 302
    assert Report.objects.get().seen_at.year == 2024


# --- 2. Gateway messages: strict types, no shared message id, scrubbed text ---------------


@pytest.mark.parametrize(
    "message",
    [
        {"from": "+1555", "text": 42, "id": "m1"},
        {"from": "+1555", "text": ["a", "list"], "id": "m1"},
        {"from": "+1555", "text": {"an": "object"}, "id": "m1"},
        {"from": {"x": 1}, "text": "a rumour about the vote", "id": "m1"},
        {"from": "+1555", "text": "a rumour about the vote", "id": 1.5},
        {"from": "+1555", "text": "a rumour about the vote", "id": True},
        {"from": "+1555", "text": "a rumour about the vote", "channel": 7},
        ["not", "an", "object"],
    ],
)
def test_generic_gateway_refuses_fields_of_the_wrong_type(gateways, message):  # type: ignore[no-untyped-def]
    response = post_generic(message)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Malformed message")
    assert not Report.objects.exists()


def test_generic_gateway_deeply_nested_json_is_400(gateways):  # type: ignore[no-untyped-def]
    response = post_generic(b"[" * 60_000)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Malformed message")


def test_gateway_messages_without_id_are_not_one_shared_message(gateways):  # type: ignore[no-untyped-def]
    codes = set()
    for sender, text in [
        ("+1555", "first rumour about the ballot boxes"),
        ("+1666", "second rumour about the polling station"),
        ("+1555", "third rumour, from the first sender again"),
    ]:
        response = post_generic({"from": sender, "text": text, "id": None})
        assert response.status_code == 200, response.content
        assert response.json()["duplicate"] is False
        codes.add(response.json()["code"])
    assert len(codes) == 3 == Report.objects.count()
    assert not Report.objects.filter(idempotency_key__isnull=False).exists()
    # A resend of the same text is still recognised, by duplicate folding.
    again = post_generic({"from": "+1555", "text": "first rumour about the ballot boxes"})
    assert again.json()["duplicate"] is True and Report.objects.count() == 3


def test_integer_ids_and_senders_are_accepted(gateways):  # type: ignore[no-untyped-def]
    response = post_generic({"from": 254700000001, "text": "a rumour about the vote", "id": 7})
    assert response.status_code == 200, response.content
    assert report_contact(Report.objects.get()).address == "254700000001"


def test_message_ids_are_per_sender(gateways):  # type: ignore[no-untyped-def]
    """A gateway counting message ids per phone: two people's message 1 are two reports."""
    first = post_generic({"from": "+1555", "text": "rumour one about the vote", "id": "1"})
    second = post_generic({"from": "+1666", "text": "rumour two about the count", "id": "1"})
    assert first.status_code == second.status_code == 200
    assert first.json()["code"] != second.json()["code"]
    assert Report.objects.count() == 2


def test_reused_message_id_gets_an_accurate_answer(gateways):  # type: ignore[no-untyped-def]
    assert post_generic({"from": "+1555", "text": "rumour one", "id": "m"}).status_code == 200
    same = post_generic({"from": "+1555", "text": "rumour one", "id": "m"})
    assert same.status_code == 200 and same.json()["duplicate"] is True
    assert "already have this report" in same.json()["reply"]
    other = post_generic({"from": "+1555", "text": "a different rumour", "id": "m"})
    assert other.status_code == 409
    assert "already used" in other.json()["detail"]
    assert "send it again" in other.json()["reply"]
    assert Report.objects.count() == 1
    params = {"From": "+2250700000002", "Body": "une rumeur sur le vote", "MessageSid": "SM1"}
    assert post_twilio(params).status_code == 200
    reused = post_twilio({**params, "Body": "une autre rumeur"})
    assert reused.status_code == 200 and "send it again" in reused.content.decode()
    assert Report.objects.count() == 2


def test_nul_and_lone_surrogates_are_scrubbed_from_gateway_text(gateways):  # type: ignore[no-untyped-def]
    body = b'{"from": "+1\\ud800", "text": "a\\u0000 rumour \\udc00about the vote", "id": "n"}'
    response = post_generic(body)
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.text == "a rumour \ufffdabout the vote"
    twilio = post_twilio({"From": "+2", "Body": "nul\x00 in sms text", "MessageSid": "S"})
    assert twilio.status_code == 200
    assert Report.objects.get(channel="sms", gateway="twilio").text == "nul in sms text"


@pytest.mark.parametrize("chat", [["x"], "abc", None, {"id": [1]}, {"type": "private"}])
def test_malformed_telegram_update_is_answered_200_and_stores_nothing(gateways, chat):  # type: ignore[no-untyped-def]
    update = {"update_id": 5, "message": {"message_id": 1, "chat": chat, "text": "a rumour"}}
    response = post_telegram(update)
    assert response.status_code == 200  # Telegram resends anything else
    assert not Report.objects.exists()


def test_telegram_text_of_the_wrong_type_gets_the_help(gateways):  # type: ignore[no-untyped-def]
    update = {"update_id": 6, "message": {"message_id": 1, "chat": {"id": 42}, "text": 42}}
    response = post_telegram(update)
    assert response.status_code == 200
    assert response.json()["chat_id"] == "42" and "code" in response.json()["text"]
    assert not Report.objects.exists()


# --- 3. Non-ASCII authentication headers -----------------------------------------------------


def test_non_ascii_gateway_credentials_are_403_not_500(gateways):  # type: ignore[no-untyped-def]
    url = "/api/v1/reports/gateway/"
    body = b'{"from": "+1", "text": "x"}'
    for name, header in [
        ("smsbox", {"X-Sitroom-Signature": "sha256=é"}),
        ("tg", {"X-Telegram-Bot-Api-Secret-Token": "é"}),
        ("twilio", {"X-Twilio-Signature": "é"}),
    ]:
        response = Client().post(url + name, body, content_type="application/json", headers=header)
        assert response.status_code == 403, name
    outbox = Client().get(url + "smsbox/outbox", headers={"Authorization": "Bearer généric"})
    assert outbox.status_code == 403
    assert not Report.objects.exists()


# --- 4. Deeply nested JSON to the API ---------------------------------------------------------


def test_deeply_nested_json_is_a_400_json_error():
    response = Client().post("/api/v1/reports", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


# --- 5. A long list of links is refused at once ------------------------------------------------


def test_too_many_links_is_one_error_without_checking_each():
    response = post_json({"category": "other", "urls": ["not a link"] * 100_000})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "urls": [f"Ensure this field has no more than {conf.MAX_URLS} elements."]
    }
    errors = report_draft_errors(ReportDraft(urls=["not a link"] * 100_000))
    assert errors["urls"] == [f"At most {conf.MAX_URLS} links per report."]
    page = Client().post("/report/", {**FORM, "urls": "\n".join(["nolink"] * 5000)})
    assert page.status_code == 400
    html = page.content.decode()
    assert "links per report" in html and "is not a web link" not in html


# --- 6.-8. Images: comments, pixel limit, multi-picture JPEG ----------------------------------


def test_jpeg_comment_is_removed(_media: Path):
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(out, format="JPEG", comment=b"SECRET")
    assert b"SECRET" in out.getvalue()
    assert upload(out.getvalue()).status_code == 201
    stored = Path(ReportAttachment.objects.get().file.path).read_bytes()
    assert b"SECRET" not in stored


def test_png_icc_profile_is_removed(_media: Path):
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, format="PNG", icc_profile=icc)
    assert upload(out.getvalue(), "a.png").status_code == 201
    stored = Image.open(ReportAttachment.objects.get().file.path)
    assert "icc_profile" not in stored.info


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(40, 30), (100, 100)])  # 1.2x and 10x the limit
def test_image_above_the_pixel_limit_is_too_large(monkeypatch, size):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(conf, "MAX_IMAGE_PIXELS", 1000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # set by the intake
    out = io.BytesIO()
    Image.new("L", size).save(out, format="PNG")
    response = upload(out.getvalue(), "big.png")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Report.objects.exists()


def test_multi_picture_jpeg_keeps_the_first_picture_without_metadata(_media: Path):
    first = Image.open(io.BytesIO(jpeg_with_gps(64, 48)))
    second = Image.new("RGB", (64, 48), (0, 0, 0))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], exif=first.getexif())
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    response = upload(out.getvalue())
    assert response.status_code == 201, response.content
    attachment = ReportAttachment.objects.get()
    stored = Image.open(attachment.file.path)
    assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
    assert not stored.getexif()
    assert stored.getpixel((10, 10))[0] > 150  # the red first picture, not the black one
    assert attachment.content_type == "image/jpeg" and attachment.width == 64


# --- 9. Duplicates that bring contact details -------------------------------------------------


def test_duplicate_with_new_contact_details_is_a_report_of_its_own():
    client = Client()
    first = post_json(report_payload(), client).json()
    with_contact = report_payload(contact={"email": "second@example.org"}, consent=True)
    second = post_json(with_contact, client)
    assert second.status_code == 201 and second.json()["duplicate"] is False
    assert second.json()["code"] != first["code"]
    assert report_contact(Report.objects.get(code=second.json()["code"])).email == (
        "second@example.org"
    )
    # A double submit (same contact) is still folded; another person's contact is not.
    again = post_json(with_contact, client)
    assert again.json()["duplicate"] is True and again.json()["code"] == second.json()["code"]
    third = post_json(report_payload(contact={"email": "third@example.org"}, consent=True), client)
    assert third.status_code == 201
    assert Report.objects.count() == 3


def test_web_duplicate_with_contact_is_not_folded():
    client = Client()
    first = client.post("/report/", FORM)
    second = client.post(
        "/report/", {**FORM, "contact_email": "someone@example.org", "consent": "on"}
    )
    assert second.status_code == 302 and "again=1" not in second["Location"]
    assert first["Location"] != second["Location"]
    assert Report.objects.filter(has_contact=True).count() == 1


# --- 10. A too-large web upload keeps what was typed --------------------------------------------


def test_too_large_web_upload_shows_the_form_with_what_was_typed(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(conf, "MAX_REPORT_BYTES", 1024)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 1_100_000)
    response = Client().post(
        "/report/",
        {**FORM, "seen_where": "Marché de Cocody", "consent": "on", "attachments": [big]},
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "too large" in html
    assert "Marché de Cocody" in html and "reporté à jeudi" in html
    assert 'value="lagunes" selected' in html
    assert not Report.objects.exists()


# --- 11. NUL in public URL values -----------------------------------------------------------------


def test_nul_in_codes_and_parameters_never_reaches_a_query(gateways):  # type: ignore[no-untyped-def]
    """core.middleware.RefuseNulMiddleware answers 400 first; the views are safe without it."""
    from django.http import Http404
    from django.test import RequestFactory

    from sitroom.reports import api, views, webhooks

    factory = RequestFactory()
    assert views.track_detail(factory.get("/track/x/"), "\x00").status_code == 404
    assert views.track_lookup(factory.get("/track/", {"code": "\x00"})).status_code == 200
    for code in ("\x00", "7KQ2M\x00XD4TB"):
        with pytest.raises(Http404):
            views.report_sent(factory.get("/report/sent/x/"), code)
    answers = api.ReportAnswersView.as_view()(factory.get("/api/v1/reports/x/answers"), code="\x00")
    assert answers.status_code == 404
    outbox = factory.get(
        "/api/v1/reports/gateway/smsbox/outbox",
        {"limit": "\x00"},
        headers={"Authorization": f"Bearer {GENERIC_SECRET}"},
    )
    assert webhooks.gateway_outbox(outbox, "smsbox").status_code == 200


# --- 12. The confirmation page is rate-limited and cached ---------------------------------------


def test_confirmation_page_is_rate_limited_and_cached(settings, monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def provider(text: str, **kwargs: object) -> list[object]:
        calls.append(text)
        return []

    settings.SITROOM_INSTANT_ANSWER_PROVIDER = provider
    code = Report.objects.create(category="other", text="a claim", channel="web").code
    monkeypatch.setitem(conf.RATE_LIMITS, "track", conf.RateLimit(2, 600))
    client = Client()
    assert client.get(f"/report/sent/{code}/").status_code == 200
    assert client.get(f"/report/sent/{code}/").status_code == 200
    assert len(calls) == 1  # the second view used the cached answer
    refused = client.get(f"/report/sent/{code}/")
    assert refused.status_code == 429 and "Retry-After" in refused


# --- 13. Links must be links ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.com",
        "https://example.com:99999/",
        "https://example.com:abc/",
        "https://example.com:0/",
        "https://-bad-.example.com/",
        "https://a..example.com/",
        "https://example",
    ],
)
def test_things_that_are_not_links_are_refused(url: str):
    response = post_json({"category": "other", "urls": [url]})
    assert response.status_code == 400
    assert "is not a web link" in response.json()["errors"]["urls"][0]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com:8443/a",
        "https://bücher.example/x",
        "example.org/page",
        "http://1.2.3.4/",
    ],
)
def test_real_links_are_accepted(url: str):
    assert post_json({"category": "other", "urls": [url]}).status_code == 201


def test_gateway_keeps_the_text_of_a_message_with_a_broken_link(gateways):  # type: ignore[no-untyped-def]
    text = "they say https://example.com:99999/x shows the results https://t.me/s/news/5"
    assert post_generic({"from": "+1", "text": text, "id": "b"}).status_code == 200
    report = Report.objects.get()
    assert report.text == text
    assert [u.canonical for u in report.urls.all()] == ["https://t.me/news/5"]


# --- 15. Error messages ---------------------------------------------------------------------------


def test_report_level_errors_use_the_api_field_names():
    response = post_json(
        report_payload(contact={"phone": "+225 07 00 00 00", "preferred_channel": "email"})
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"contact", "consent"}
    assert errors["contact"] == {"email": ["Give an email address to be contacted by email."]}


def test_too_large_json_body_names_the_json_limit(settings):  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1_048_576
    body = json.dumps({"category": "other", "text": "x" * (3 * 1_048_576)})
    response = Client().post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "JSON body can be at most 2 MB" in detail and "files per report" not in detail


def test_every_report_language_has_a_name():
    info = Client().get("/api/v1/reports/form").json()["languages"]
    for code in ("ha", "yo", "am", "so", "zu", "wo", "ln", "rw"):
        assert info[code] != code
    assert info["zu"] == "isiZulu" and info["fr"] == "français"
