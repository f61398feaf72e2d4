"""The fact-check API: published fact-checks (public fields), matching, the claims queue."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.pagination import BasePagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from sitroom.accounts.models import Organisation
from sitroom.core.fields import StringField
from sitroom.factchecks import conf, selectors, services
from sitroom.factchecks.forms import LANGUAGE_CHOICES
from sitroom.factchecks.models import Article, Claim


def _paginator() -> BasePagination:
    """The API's pagination from settings.REST_FRAMEWORK, which bounds ``limit`` and ``offset``."""
    return cast(type[BasePagination], api_settings.DEFAULT_PAGINATION_CLASS)()


class MatchThrottle(UserRateThrottle):
    scope = "factchecks-match"

    def get_rate(self) -> str:
        return f"{conf.match_rate_per_minute()}/min"


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    rating = serializers.CharField(source="rating.label")
    normalised_rating = serializers.CharField(source="rating.normalised")
    verdict = serializers.CharField(source="verdict_text")
    claim = serializers.CharField(source="claim.text")
    claimant = serializers.CharField(source="claim.claimant")
    organisations = serializers.SerializerMethodField()
    translations = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "url",
            "title",
            "language",
            "claim",
            "claimant",
            "rating",
            "normalised_rating",
            "verdict",
            "summary",
            "organisations",
            "translations",
            "published_at",
            "updated_at",
        ]

    def get_url(self, obj: Article) -> str:
        return selectors.article_public_url(obj)

    def get_organisations(self, obj: Article) -> list[str]:
        return [o.name for o in obj.organisations.all()]

    def get_translations(self, obj: Article) -> list[dict[str, str]]:
        return [
            {"language": t.language, "title": t.title, "summary": t.summary}
            for t in obj.translations.all()
        ]


@extend_schema(responses=ArticleSerializer(many=True), summary="Published fact-checks")
@api_view(["GET"])
@permission_classes([AllowAny])
def factcheck_list(request: Request) -> Response:
    q = str(request.query_params.get("q", ""))[:200]
    paginator = _paginator()
    page = paginator.paginate_queryset(selectors.published_articles(q), request)
    return paginator.get_paginated_response(ArticleSerializer(page, many=True).data)


class MatchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)
    language = serializers.CharField(max_length=12, required=False, allow_blank=True)
    limit = serializers.IntegerField(min_value=1, max_value=20, required=False, default=3)


class MatchSerializer(serializers.Serializer):
    article_id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    rating_label = serializers.CharField()
    normalised_rating = serializers.CharField()
    url = serializers.CharField()
    confidence = serializers.FloatField()
    reason = serializers.CharField()
    organisations = serializers.ListField(child=serializers.CharField())
    published_at = serializers.CharField()
    language = serializers.CharField()


def _require_member(request: Request) -> None:
    """Authenticated members of the coalition only (any organisation); 404 otherwise."""
    from sitroom.accounts.selectors import user_organisations

    if not user_organisations(request.user).exists():
        raise Http404


@extend_schema(
    request=MatchRequestSerializer,
    responses=MatchSerializer(many=True),
    summary="Published fact-checks that address the claim in a text",
)
@api_view(["POST"])
@throttle_classes([MatchThrottle])
def factcheck_match(request: Request) -> Response:
    _require_member(request)
    body = MatchRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    matches = selectors.factchecks_matching(
        body.validated_data["text"],
        language=body.validated_data.get("language") or None,
        limit=body.validated_data["limit"],
    )
    return Response(
        {
            "min_confidence": conf.min_confidence(),
            "matches": [MatchSerializer(m).data for m in matches],
        }
    )


class ClaimSerializer(serializers.ModelSerializer):
    checked_by = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "language",
            "claimant",
            "appeared_in",
            "appearance_url",
            "appeared_at",
            "status",
            "created_at",
            "checked_by",
        ]

    def get_checked_by(self, obj: Claim) -> list[dict[str, Any]]:
        return [
            {
                "organisation": c.organisation.slug,
                "user": c.user.get_username() if c.user else None,
                "started_at": c.started_at.isoformat(),
            }
            for c in obj.checks.all()
        ]


class ClaimCreateSerializer(serializers.Serializer):
    text = StringField(max_length=5000)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    claimant = StringField(max_length=200, required=False, allow_blank=True)
    appeared_in = StringField(max_length=200, required=False, allow_blank=True)
    appearance_url = serializers.URLField(required=False, allow_blank=True)
    appeared_at = serializers.DateTimeField(required=False, allow_null=True)
    organisation = StringField(required=False, help_text="slug of your newsroom")


class ClaimCheckSerializer(serializers.Serializer):
    organisation = StringField(
        required=False, allow_blank=True, help_text="slug of your newsroom (default: your first)"
    )


@extend_schema(
    request=ClaimCreateSerializer,
    responses=ClaimSerializer(many=True),
    summary="The shared claims queue (newsroom members)",
)
@api_view(["GET", "POST"])
def claim_list(request: Request) -> Response:
    selectors.require_newsroom_member(request.user)
    if request.method == "POST":
        body = ClaimCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        org = _newsroom(request, data.get("organisation"))
        claim = services.claim_create(
            text=data["text"],
            language=data.get("language", ""),
            claimant=data.get("claimant", ""),
            appeared_in=data.get("appeared_in", ""),
            appearance_url=data.get("appearance_url", ""),
            appeared_at=data.get("appeared_at"),
            organisation=org,
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
    claims = selectors.claim_queue(request.user, status=request.query_params.get("status") or None)
    paginator = _paginator()
    page = paginator.paginate_queryset(claims, request)
    return paginator.get_paginated_response(ClaimSerializer(page, many=True).data)


@extend_schema(request=None, responses=ClaimSerializer, summary="One claim of the queue")
@api_view(["GET"])
def claim_detail(request: Request, claim_id: int) -> Response:
    claim = selectors.claim_for_member(request.user, claim_id)
    return Response(ClaimSerializer(claim).data)


@extend_schema(
    request=ClaimCheckSerializer,
    responses=ClaimSerializer,
    summary="Mark a claim as being checked by your newsroom",
)
@api_view(["POST"])
def claim_check(request: Request, claim_id: int) -> Response:
    claim = selectors.claim_for_member(request.user, claim_id)
    body = ClaimCheckSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    org = _newsroom(request, body.validated_data.get("organisation"))
    try:
        _check, others = services.claim_check_start(
            claim=claim,
            organisation=org,
            user=request.user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
    data = dict(ClaimSerializer(claim).data)
    data["warning"] = (
        "already being checked by " + ", ".join(c.organisation.slug for c in others)
        if others
        else ""
    )
    return Response(data)


def _newsroom(request: Request, slug: str | None) -> Organisation:
    """The caller's newsroom named by slug (their first if none is named), else 404."""
    organisations = selectors.require_newsroom_member(request.user)
    if not slug:
        return organisations[0]
    org = next((o for o in organisations if o.slug == slug), None)
    if org is None:
        raise Http404
    return org
