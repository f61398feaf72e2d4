from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sitroom.reports import conf
from sitroom.reports.instant import instant_answers
from sitroom.reports.models import Report, ReportAttachment
from tests.reports.conftest import jpeg_with_gps, report_payload

pytestmark = pytest.mark.django_db


def post_json(client: Client, payload: dict, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/reports", json.dumps(payload), content_type="application/json", headers=headers
    )


@dataclass
class FakeMatch:
    article_id: int
    title: str
    rating_label: str
    normalised_rating: str
    url: str
    confidence: float
    reason: str


def fake_provider(text: str, *, language: str | None = None, limit: int = 3) -> list[FakeMatch]:
    if "moved to Thursday" not in text:
        return []
    return [
        FakeMatch(
            7,
            "No, the vote has not been moved",
            "False",
            "false",
            "https://factcheck.example/7",
            0.93,
            f"same claim ({language})",
        )
    ]


def failing_provider(text: str, **kwargs: object) -> list[FakeMatch]:
    raise RuntimeError("index is rebuilding")


def test_json_report_returns_code_after_storing_it():
    response = post_json(Client(), report_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(code=body["code"])
    assert body["display_code"] == report.display_code
    assert body["tracking_url"].endswith(f"/track/{report.code}/")
    assert body["duplicate"] is False and body["status"] == "received"
    # Instant answers are not computed on the hot path: a link says where to fetch them.
    assert "instant_answers" not in body
    assert body["answers_url"].endswith(f"/api/v1/reports/{report.code}/answers")
    assert report.channel == "api" and report.language == "en"


def test_api_needs_no_account_and_no_csrf():
    client = Client(enforce_csrf_checks=True)
    assert post_json(client, report_payload()).status_code == 201


def test_validation_errors_are_json_with_fields():
    response = post_json(Client(), {"category": "nonsense"})
    assert response.status_code == 400
    assert "category" in response.json()["errors"]
    response = post_json(Client(), {"category": "hate_speech"})
    assert response.status_code == 400
    assert "Give at least one of" in json.dumps(response.json()["errors"])
    response = post_json(Client(), report_payload(region="atlantis"))
    assert response.json()["errors"]["region"] == ["Choose one of the regions."]
    assert not Report.objects.exists()


def test_multipart_with_image(_media: Path):
    response = Client().post(
        "/api/v1/reports",
        {
            "category": "manipulated_media",
            "urls": ["https://youtu.be/dQw4w9WgXcQ?si=track", "https://x.com/a/status/1"],
            "files": [SimpleUploadedFile("p.jpg", jpeg_with_gps())],
        },
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get(code=response.json()["code"])
    assert sorted(report.urls.values_list("platform", flat=True)) == ["x", "youtube"]
    assert ReportAttachment.objects.filter(report=report).count() == 1


def test_forged_file_type_is_415(_media: Path):
    response = Client().post(
        "/api/v1/reports",
        {
            "category": "other",
            "files": [SimpleUploadedFile("evil.jpg", b"<?php system($_GET['c']); ?>")],
        },
    )
    assert response.status_code == 415
    assert "Only photos" in response.json()["detail"]
    assert not Report.objects.exists()


def test_oversized_upload_is_413_json(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(conf, "MAX_FILE_BYTES", 2048)
    response = Client().post(
        "/api/v1/reports",
        {
            "category": "other",
            "files": [SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + b"0" * 4096)],
        },
    )
    assert response.status_code == 413
    assert "at most" in response.json()["detail"]
    monkeypatch.setattr(conf, "MAX_REPORT_BYTES", 1024)
    response = Client().post(
        "/api/v1/reports",
        {"category": "other", "files": [SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * 1_100_000)]},
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request is too large")
    assert not Report.objects.exists()


def test_idempotency_key_same_body_same_code_and_conflict_409():
    client = Client()
    first = post_json(client, report_payload(), **{"Idempotency-Key": "k-123"})
    # A retry from another address (the phone changed network) is still recognised.
    again = post_json(
        Client(REMOTE_ADDR="10.0.0.9"), report_payload(), **{"Idempotency-Key": "k-123"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["code"] == first.json()["code"] and again.json()["duplicate"] is True
    conflict = post_json(
        client, report_payload(text="Something else entirely"), **{"Idempotency-Key": "k-123"}
    )
    assert conflict.status_code == 409
    assert "Idempotency-Key" in conflict.json()["detail"]
    assert Report.objects.count() == 1


def test_rate_limit_429_with_retry_after(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(conf.RATE_LIMITS, "api", conf.RateLimit(1, 60))
    client = Client()
    assert post_json(client, report_payload()).status_code == 201
    refused = post_json(client, report_payload(text="another one entirely different"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    assert Report.objects.count() == 1


def test_duplicate_folding_returns_existing_code():
    client = Client()
    first = post_json(client, report_payload()).json()
    second = post_json(
        client,
        report_payload(
            text="  voting in ABIDJAN has been moved to Thursday; the commission said on radio!",
            urls=["https://m.facebook.com/permalink.php?id=2&story_fbid=1"],
        ),
    )
    assert second.status_code == 200
    assert second.json()["code"] == first["code"] and second.json()["duplicate"] is True
    assert Report.objects.count() == 1


def test_instant_answers_via_answers_url_or_on_request(settings, monkeypatch):  # type: ignore[no-untyped-def]
    expected = [
        {
            "article_id": 7,
            "title": "No, the vote has not been moved",
            "rating_label": "False",
            "normalised_rating": "false",
            "url": "https://factcheck.example/7",
            "confidence": 0.93,
            "reason": "same claim (en)",
        }
    ]
    calls: list[str] = []

    def counting_provider(text: str, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(text)
        return fake_provider(text, **kwargs)

    settings.SITROOM_INSTANT_ANSWER_PROVIDER = counting_provider
    body = post_json(Client(), report_payload()).json()
    assert "instant_answers" not in body and calls == []  # nothing computed on the POST
    answers = Client().get(f"/api/v1/reports/{body['code']}/answers")
    assert answers.status_code == 200
    assert answers.json() == {"code": body["code"], "instant_answers": expected}
    # Cached: asking again does not match again.
    again = Client().get(f"/api/v1/reports/{body['display_code'].lower()}/answers")
    assert again.json()["instant_answers"] == expected and len(calls) == 1
    # On request, in the POST response itself (here a folded duplicate of the first).
    asked = (
        Client()
        .post(
            "/api/v1/reports?answers=1",
            json.dumps(report_payload()),
            content_type="application/json",
        )
        .json()
    )
    assert asked["code"] == body["code"] and asked["instant_answers"] == expected
    page = Client().get(f"/report/sent/{body['code']}/")
    assert "This has already been checked" in page.content.decode()
    assert "https://factcheck.example/7" in page.content.decode()
    assert Client().get("/api/v1/reports/7KQ2MXD4TB/answers").status_code == 404
    assert Client().get("/api/v1/reports/nonsense/answers").json() == {"detail": "Not found."}


def test_failing_provider_never_fails_intake(settings, caplog, monkeypatch):  # type: ignore[no-untyped-def]
    from sitroom.reports import instant

    monkeypatch.setattr(instant, "_last_logged", float("-inf"))
    settings.SITROOM_INSTANT_ANSWER_PROVIDER = failing_provider
    response = Client().post(
        "/api/v1/reports?answers=1", json.dumps(report_payload()), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["instant_answers"] == []
    assert "instant answer provider failed" in caplog.text
    # A failure is not cached: once the library is back, the answer comes.
    settings.SITROOM_INSTANT_ANSWER_PROVIDER = fake_provider
    answers = Client().get(f"/api/v1/reports/{response.json()['code']}/answers").json()
    assert [a["article_id"] for a in answers["instant_answers"]] == [7]


def test_slow_provider_is_cut_off_by_the_time_bound(settings, caplog, monkeypatch):  # type: ignore[no-untyped-def]
    import threading

    from sitroom.reports import instant

    release = threading.Event()

    def stuck_provider(text: str, **kwargs: object) -> list[FakeMatch]:
        release.wait(10)
        return fake_provider(text, language="en")

    monkeypatch.setattr(instant, "_last_logged", float("-inf"))
    monkeypatch.setattr(conf, "INSTANT_ANSWER_TIMEOUT_MS", 50)
    settings.SITROOM_INSTANT_ANSWER_PROVIDER = stuck_provider
    try:
        response = Client().post(
            "/api/v1/reports?answers=1",
            json.dumps(report_payload()),
            content_type="application/json",
        )
        assert response.status_code == 201 and response.json()["instant_answers"] == []
        assert "took over 50 ms" in caplog.text
        assert Report.objects.filter(code=response.json()["code"]).exists()
        page = Client().get(f"/report/sent/{response.json()['code']}/")
        assert (
            page.status_code == 200 and "This has already been checked" not in page.content.decode()
        )
    finally:
        release.set()


def test_instant_seam_takes_a_provider_argument_and_handles_absence():
    assert instant_answers("an unrelated rumour", provider=fake_provider) == []
    answers = instant_answers("it was moved to Thursday", language="en", provider=fake_provider)
    assert answers[0].normalised_rating == "false" and answers[0].confidence == 0.93
    assert instant_answers("anything", provider="sitroom.nowhere.matching") == []
    assert instant_answers("   ", provider=fake_provider) == []


def test_api_speaks_like_drf_for_wrong_requests():
    assert Client().get("/api/v1/reports").status_code == 405
    assert Client().get("/api/v1/reports")["Allow"] == "POST"
    bad_json = Client().post("/api/v1/reports", "{oops", content_type="application/json")
    assert bad_json.status_code == 400
    assert bad_json.json()["detail"].startswith("JSON parse error")
    form = Client().post(
        "/api/v1/reports", "category=other", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 415
    assert form.json() == {
        "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'
    }
    key = post_json(Client(), report_payload(), **{"Idempotency-Key": "k" * 201})
    assert key.status_code == 400 and "Idempotency-Key" in key.json()["detail"]
    assert not Report.objects.exists()


BAD_BODIES = [
    {},
    [],
    "text",
    {"category": None},
    {"category": ""},
    {"category": 5, "text": "x"},
    {"category": "other", "urls": "https://example.org"},
    {"category": "other", "urls": None},
    {"category": "other", "urls": ["", None, 3, True, {"a": 1}, "x" * 2001, "ok\x00"]},
    {"category": "other", "text": None},
    {"category": "other", "text": ["a"]},
    {"category": "other", "text": "x" * 10_001},
    {"category": "other", "text": "a\x00b"},
    {"category": "other", "text": "ok", "files": ["a"]},
    {"category": "other", "text": "ok", "gender_based": "maybe", "consent": None},
    {"category": "other", "text": "ok", "seen_at": "yesterday"},
    {"category": "other", "text": "ok", "seen_at": ""},
    {"category": "other", "text": "ok", "seen_at": 12},
    {"category": "other", "text": "ok", "seen_where": "x" * 201},
    {"category": "other", "text": "ok", "contact": "me@example.org"},
    {"category": "other", "text": "ok", "contact": None},
    {"category": "other", "text": "ok", "contact": {"email": "nope", "phone": "1" * 31}},
    {"category": "other", "text": "ok", "contact": {"preferred_channel": "pigeon"}},
    {"category": "other", "text": "ok", "language": True, "region": {}},
    # JSON numbers are refused, not stored as their str() ("text": 42 was stored as "42").
    {"category": "other", "text": 42},
    {"category": "other", "text": 4.2, "seen_where": 7, "language": 1},
    {"category": "other", "urls": ["https://example.org/a", 5]},
    {"category": "other", "text": "ok", "contact": {"email": 5, "phone": 254700000000}},
    # Too many links: one error, before any link is looked at.
    {"category": "other", "urls": ["https://example.org/a"] * 11},
    {"category": "other", "urls": [None, 3] * 6},
]
GOOD_BODIES = [
    {"category": "other", "text": "ok"},
    {"category": "other", "urls": [" https://example.org/a "], "text": "  keep spaces  "},
    {
        "category": "threats",
        "text": "ok",
        "gender_based": "yes",
        "consent": 1,
        "seen_at": "2026-05-01T10:00",
        "seen_where": "  a group  ",
        "language": " fr ",
        "contact": {"email": "a@example.org", "phone": "+225 07", "preferred_channel": ""},
    },
    {"category": "other", "text": "ok", "seen_at": None, "gender_based": False},
    {"category": "other", "urls": [f"https://example.org/{i}" for i in range(10)]},
]


@pytest.mark.parametrize("body", BAD_BODIES + GOOD_BODIES)
def test_lean_parser_agrees_with_the_documented_serializer(body):  # type: ignore[no-untyped-def]
    """The hand-written parser refuses and accepts what ReportCreateSerializer would."""
    from sitroom.reports.api import ReportCreateSerializer
    from sitroom.reports.api_input import parse_report

    serializer = ReportCreateSerializer(data=body)
    valid = serializer.is_valid()
    draft, errors = parse_report(body)
    assert json.loads(json.dumps(errors)) == json.loads(json.dumps(serializer.errors))
    assert (draft is not None) == valid
    if valid:
        assert draft is not None
        assert draft == serializer.draft()


def test_form_info_and_openapi_schema_document_the_intake():
    info = Client().get("/api/v1/reports/form").json()
    assert info["regions"]["abidjan"] == "Abidjan"
    assert "encrypted" in info["consent_text"]
    assert "threats" in info["categories"]
    schema = Client().get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/reports" in text and "Idempotency-Key" in text
    assert "/api/v1/reports/{code}/answers" in text and "answers_url" in text
    assert "ReportCreate" in text  # the request body is still documented
    assert "stored encrypted" in text  # the consent text is part of the schema


def test_report_is_handed_to_cases_after_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        code = post_json(Client(), report_payload()).json()["code"]
    report = Report.objects.get(code=code)
    assert report.case_id is None and len(callbacks) == 1  # routing waits for the commit
    callbacks[0]()
    report.refresh_from_db()
    assert report.case is not None
    assert report in report.case.reports.all()


def test_with_the_database_queue_the_routing_task_commits_with_the_report(settings):  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    code = post_json(Client(), report_payload()).json()["code"]
    report = Report.objects.get(code=code)
    task = DBTaskResult.objects.get(task_path="sitroom.reports.tasks.report_route")
    assert task.args_kwargs["args"] == [report.pk] and task.queue_name == "intake"


def _upload(name: str = "a.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"some bytes")


MULTIPART_BODIES = [
    # (form fields, files): a text field named "files", a file sent as "text", and so on.
    ({"category": ["other"], "files": ["hello"]}, {}),
    ({"category": ["other"], "text": ["ok"], "files": ["hello"]}, {"files": [_upload()]}),
    ({"category": ["other"]}, {"text": [_upload()]}),
    ({"text": ["ok"]}, {"category": [_upload("other")]}),
    ({"category": ["other"], "text": ["ok"]}, {"urls": [_upload()], "contact.email": [_upload()]}),
    ({"category": ["other"], "text": ["ok"]}, {"consent": [_upload()]}),
    ({"category": ["other"], "urls": ["https://example.org/a"] * 11}, {}),
    ({"category": ["other"], "text": ["ok"]}, {"files": [_upload(), _upload("b.png")]}),
    ({"category": ["other"], "urls": ["https://example.org/a"], "consent": ["on"]}, {}),
]


@pytest.mark.parametrize(("fields", "files"), MULTIPART_BODIES)
def test_lean_parser_agrees_with_the_serializer_on_multipart(fields, files):  # type: ignore[no-untyped-def]
    """Form input: DRF merges fields and files into request.data; the parser does the same."""
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    from sitroom.reports.api import ReportCreateSerializer
    from sitroom.reports.api_input import parse_report

    post = QueryDict(mutable=True)
    for key, values in fields.items():
        post.setlist(key, values)
    uploads = MultiValueDict(files)
    data = post.copy()  # as rest_framework.request.Request._load_data_and_files
    data.update(uploads)
    serializer = ReportCreateSerializer(data=data)
    valid = serializer.is_valid()
    draft, errors = parse_report(post, uploads)
    assert json.loads(json.dumps(errors)) == json.loads(json.dumps(serializer.errors))
    assert (draft is not None) == valid
    if valid:
        assert draft == serializer.draft()


def test_multipart_text_field_named_files_or_file_named_text_is_refused():
    sent_text = Client().post("/api/v1/reports", {"category": "other", "files": "hello"})
    assert sent_text.status_code == 400
    assert sent_text.json()["errors"] == {
        "files": {"0": ["The submitted data was not a file. Check the encoding type on the form."]}
    }
    sent_file = Client().post(
        "/api/v1/reports", {"category": "other", "text": SimpleUploadedFile("t.txt", b"words")}
    )
    assert sent_file.status_code == 400
    assert sent_file.json()["errors"] == {"text": ["Not a valid string."]}
    assert not Report.objects.exists()
