"""The public intake API: POST /api/v1/reports (JSON or multipart), no account needed."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sitroom.core.fields import StringEmailField, StringField
from sitroom.lib.hashing import ip_hash
from sitroom.reports import conf
from sitroom.reports.api_input import parse_report
from sitroom.reports.forms import CONSENT_TEXT, language_choices
from sitroom.reports.models import Category, Channel, PreferredChannel
from sitroom.reports.ratelimit import rate_limit_hit
from sitroom.reports.selectors import report_by_code
from sitroom.reports.services import (
    IdempotencyConflict,
    Intake,
    ReportDraft,
    ReportInvalid,
    report_instant_answers_cached,
    report_submit,
    tracking_url,
)
from sitroom.reports.uploads import UploadRejected
from sitroom.reports.views import SENDER_PURPOSE

MAX_IDEMPOTENCY_KEY = 200
TOO_LARGE = "The request is too large: at most %d MB of files per report."
TOO_LARGE_JSON = (
    "The request is too large: a JSON body can be at most %d MB "
    "(files go in a multipart/form-data request)."
)
TOO_LARGE_FIELDS = "The request is too large: at most %d MB of form fields besides the files."
# The report-level rules (services.report_draft_errors) speak of the web form's fields; the
# API names them as its body does.
API_FIELD_NAMES = {
    "__all__": ("non_field_errors",),
    "contact_email": ("contact", "email"),
    "contact_phone": ("contact", "phone"),
    "preferred_channel": ("contact", "preferred_channel"),
}


class LinkListField(serializers.ListField):
    """At most conf.MAX_URLS links, refused before each one is validated."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) > conf.MAX_URLS:
            self.fail("max_length", max_length=conf.MAX_URLS)
        return super().to_internal_value(data)


class ContactSerializer(serializers.Serializer):
    email = StringEmailField(required=False, allow_blank=True)
    phone = StringField(required=False, allow_blank=True, max_length=30)
    preferred_channel = serializers.ChoiceField(
        choices=PreferredChannel.choices, required=False, allow_blank=True
    )


class ReportCreateSerializer(serializers.Serializer):
    urls = LinkListField(
        child=StringField(max_length=2000),
        required=False,
        help_text=f"Links to the content (any platform or website), at most {conf.MAX_URLS}.",
    )
    text = StringField(
        required=False, allow_blank=True, max_length=conf.MAX_TEXT_CHARS, trim_whitespace=False
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="multipart only: images (JPEG, PNG, WebP, GIF) or PDF; metadata is removed.",
    )
    category = serializers.ChoiceField(choices=Category.choices)
    gender_based = serializers.BooleanField(required=False, default=False)
    language = StringField(
        required=False, allow_blank=True, help_text="ISO 639-1; detected from the text if empty."
    )
    region = StringField(
        required=False, allow_blank=True, help_text="A region code from GET /api/v1/reports/form."
    )
    seen_at = serializers.DateTimeField(required=False, allow_null=True)
    seen_where = StringField(required=False, allow_blank=True, max_length=200)
    contact = ContactSerializer(required=False)
    consent = serializers.BooleanField(
        required=False, default=False, help_text=f"Required with contact details. {CONSENT_TEXT}"
    )

    def draft(self) -> ReportDraft:
        data: dict[str, Any] = self.validated_data
        contact = data.get("contact") or {}
        return ReportDraft(
            category=data["category"],
            urls=list(data.get("urls") or []),
            text=data.get("text") or "",
            files=list(data.get("files") or []),
            gender_based=data.get("gender_based", False),
            language=data.get("language") or "",
            region=data.get("region") or "",
            seen_at=data.get("seen_at"),
            seen_where=data.get("seen_where") or "",
            contact_email=contact.get("email") or "",
            contact_phone=contact.get("phone") or "",
            preferred_channel=contact.get("preferred_channel") or "",
            consent=data.get("consent", False),
        )


class InstantAnswerSerializer(serializers.Serializer):
    article_id = serializers.CharField()
    title = serializers.CharField()
    rating_label = serializers.CharField()
    normalised_rating = serializers.CharField()
    url = serializers.CharField()
    confidence = serializers.FloatField()
    reason = serializers.CharField()


class ReportReceiptSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The tracking code (10 characters).")
    display_code = serializers.CharField(
        help_text="The code grouped for reading, e.g. 7KQ2M-XD4TB."
    )
    status = serializers.CharField()
    tracking_url = serializers.URLField()
    duplicate = serializers.BooleanField(
        help_text="True when this repeats a recent report or a request with the same "
        "Idempotency-Key: the first report's code is returned."
    )
    answers_url = serializers.URLField(
        help_text="GET it for published fact-checks that already answer this report."
    )
    instant_answers = InstantAnswerSerializer(
        many=True, required=False, help_text="Only with ?answers=1."
    )


def receipt(intake: Intake, *, with_answers: bool = False) -> dict[str, Any]:
    report = intake.report
    body = {
        "code": report.code,
        "display_code": report.display_code,
        "status": report.status,
        "tracking_url": tracking_url(report),
        "answers_url": settings.SITE_URL + f"/api/v1/reports/{report.code}/answers",
        "duplicate": not intake.created,
    }
    if with_answers:
        body["instant_answers"] = [a.as_dict() for a in intake.instant]
    return body


def _json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    # As DRF's JSONRenderer writes it: compact, UTF-8 (not \u escapes).
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return HttpResponse(body.encode(), status=status, content_type="application/json")


def error(detail: str, code: int, **extra: Any) -> HttpResponse:
    response = _json({"detail": detail, **extra}, status=code)
    if code == 429 and "retry_after" in extra:
        response["Retry-After"] = str(extra["retry_after"])
    return response


def _wants_answers(request: HttpRequest) -> bool:
    return request.GET.get("answers", "").lower() in ("1", "true", "yes")


class ReportCreateView(APIView):
    """Documentation of POST /api/v1/reports for the OpenAPI schema only.

    The endpoint itself is ``report_create`` below, a plain Django view: on the hottest
    public path DRF's request wrapping and serializer cost more CPU than storing the report.
    It answers exactly as this view did (same body, statuses, headers and error JSON).
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Report content (public, no account)",
        description=(
            "Send a report. At least one of urls, text or files is required. Returns a "
            "tracking code once the report is stored, and answers_url where published "
            "fact-checks that already answer it can be fetched (GET, computed on demand); "
            "add ?answers=1 to have them in this response instead (slower). Send an "
            "Idempotency-Key header to retry safely: the same key with the same body returns "
            "the same code; with a different body, 409. "
            f"Consent: {CONSENT_TEXT}"
        ),
        request={
            "application/json": ReportCreateSerializer,
            "multipart/form-data": ReportCreateSerializer,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Any unique string up to 200 characters (e.g. a UUID).",
            ),
            OpenApiParameter(
                "answers",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description="1: include instant_answers in the response (time-bounded).",
            ),
        ],
        responses={
            201: ReportReceiptSerializer,
            200: OpenApiResponse(ReportReceiptSerializer, description="Duplicate or retry."),
            400: OpenApiResponse(description="Not valid: detail and errors per field."),
            409: OpenApiResponse(description="Idempotency-Key reused with a different body."),
            413: OpenApiResponse(description="Too large (files or request)."),
            415: OpenApiResponse(description="A file type that is not accepted."),
            429: OpenApiResponse(description="Too many reports; see Retry-After."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:  # pragma: no cover - served by report_create
        return report_create(request._request)  # type: ignore[return-value]


def _is_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def _too_large(request: HttpRequest, *, fields: bool = False) -> HttpResponse:
    """413, saying which limit: JSON bodies and form fields are bounded by
    DATA_UPLOAD_MAX_MEMORY_SIZE, files by SITROOM_REPORT_MAX_BYTES."""
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1_048_576
    if _is_json(request):
        return error(TOO_LARGE_JSON % megabytes, 413)
    if fields:
        return error(TOO_LARGE_FIELDS % megabytes, 413)
    return error(TOO_LARGE % (conf.MAX_REPORT_BYTES // 1_048_576), 413)


def _api_errors(message_dict: dict[str, list[str]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for name, messages in message_dict.items():
        *parents, leaf = API_FIELD_NAMES.get(name, (name,))
        target = errors
        for parent in parents:
            target = target.setdefault(parent, {})
        target.setdefault(leaf, []).extend(messages)
    return errors


def _parse_body(
    request: HttpRequest,
) -> tuple[ReportDraft | None, dict[str, Any], HttpResponse | None]:
    content_type = request.content_type or ""
    if _is_json(request):
        try:
            data = json.loads(request.body) if request.body else {}
        except ValueError as exc:
            return None, {}, error(f"JSON parse error - {exc}", 400)
        except RecursionError:
            return None, {}, error("JSON parse error - nested too deeply", 400)
        draft, errors = parse_report(data)
    elif content_type == "multipart/form-data":
        try:
            draft, errors = parse_report(request.POST, request.FILES)
        except MultiPartParserError as exc:
            return None, {}, error(f"Multipart form parse error - {exc}", 400)
    else:
        return None, {}, error(f'Unsupported media type "{request.content_type}" in request.', 415)
    return draft, errors, None


@csrf_exempt
def report_create(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/reports (see ReportCreateView for the documentation)."""
    if request.method != "POST":
        response = error(f'Method "{request.method}" not allowed.', 405)
        response["Allow"] = "POST"
        return response
    sender = ip_hash(request, purpose=SENDER_PURPOSE)
    verdict = rate_limit_hit(bucket="api", sender_hash=sender)
    if not verdict.allowed:
        return error(
            "Too many reports from this address; try again later.",
            429,
            retry_after=verdict.retry_after,
        )
    if int(request.META.get("CONTENT_LENGTH") or 0) > conf.MAX_REPORT_BYTES + 1_048_576:
        return _too_large(request)
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        return error("Idempotency-Key: at most 200 characters.", 400)
    try:
        draft, errors, refused = _parse_body(request)
    except RequestDataTooBig:
        return _too_large(request, fields=True)
    if refused is not None:
        return refused
    if draft is None:
        return error("The report is not valid.", 400, errors=errors)
    with_answers = _wants_answers(request)
    try:
        intake = report_submit(
            draft=draft,
            channel=Channel.API,
            sender_hash=sender,
            idempotency_key=key,
            with_instant_answer=with_answers,
        )
    except ReportInvalid as exc:
        return error("The report is not valid.", 400, errors=_api_errors(exc.message_dict))
    except UploadRejected as exc:
        return error(exc.message, exc.status)
    except IdempotencyConflict:
        return error(
            "This Idempotency-Key was already used for a different report. "
            "Use a new key for a new report.",
            409,
        )
    return _json(receipt(intake, with_answers=with_answers), status=201 if intake.created else 200)


# drf-spectacular (and DRF's schema tools) find the documentation through these attributes.
report_create.cls = ReportCreateView  # type: ignore[attr-defined]
report_create.initkwargs = {}  # type: ignore[attr-defined]


class InstantAnswersResponseSerializer(serializers.Serializer):
    code = serializers.CharField()
    instant_answers = InstantAnswerSerializer(many=True)


class ReportAnswersView(APIView):
    """Published fact-checks that already answer a report: computed on demand, then cached."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="Instant answers for a report (public; the tracking code is the key)",
        description=(
            "Published fact-checks matching the report's text or links, best first; [] when "
            "none. Computed once within a time bound and cached for a while."
        ),
        responses={
            200: InstantAnswersResponseSerializer,
            404: OpenApiResponse(description="No report with this code."),
            429: OpenApiResponse(description="Too many look-ups; see Retry-After."),
        },
        auth=[],
    )
    def get(self, request: Request, code: str) -> Response:
        verdict = rate_limit_hit(
            bucket="track", sender_hash=ip_hash(request._request, purpose=SENDER_PURPOSE)
        )
        if not verdict.allowed:
            response = Response(
                {
                    "detail": "Too many requests from this address; try again later.",
                    "retry_after": verdict.retry_after,
                },
                status=429,
            )
            response["Retry-After"] = str(verdict.retry_after)
            return response
        report = report_by_code(code)
        if report is None:
            return Response({"detail": "Not found."}, status=404)
        answers = report_instant_answers_cached(report)
        return Response({"code": report.code, "instant_answers": [a.as_dict() for a in answers]})


@extend_schema(
    summary="What the report form offers: categories, regions, languages, limits, consent",
    responses=inline_serializer(
        "ReportFormInfo",
        {
            "categories": serializers.DictField(child=serializers.CharField()),
            "regions": serializers.DictField(child=serializers.CharField()),
            "languages": serializers.DictField(child=serializers.CharField()),
            "preferred_channels": serializers.DictField(child=serializers.CharField()),
            "consent_text": serializers.CharField(),
            "max_files": serializers.IntegerField(),
            "max_file_bytes": serializers.IntegerField(),
            "max_report_bytes": serializers.IntegerField(),
        },
    ),
    auth=[],
)
class ReportFormInfoView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(
            {
                "categories": {k: str(v) for k, v in Category.choices},
                "regions": dict(conf.REGIONS),
                "languages": {k: v for k, v in language_choices() if k},
                "preferred_channels": {k: str(v) for k, v in PreferredChannel.choices if k},
                "consent_text": str(CONSENT_TEXT),
                "max_files": conf.MAX_FILES,
                "max_file_bytes": conf.MAX_FILE_BYTES,
                "max_report_bytes": conf.MAX_REPORT_BYTES,
            }
        )
