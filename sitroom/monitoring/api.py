"""POST /api/v1/posts: push a batch of posts into a source (idempotent per item)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from sitroom.monitoring import conf
from sitroom.monitoring.items import ItemError, PostIn, item_from_dict
from sitroom.monitoring.models import SourceKind
from sitroom.monitoring.selectors import source_for_push
from sitroom.monitoring.services import posts_push
from sitroom.nlp.text import scrub


class PushItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The post's id at its platform (unique per source).")
    text = serializers.CharField()
    url = serializers.URLField(required=False)
    author = serializers.CharField(required=False)
    published_at = serializers.DateTimeField(required=False)
    language = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    media = serializers.ListField(child=serializers.DictField(), required=False)
    extra = serializers.DictField(required=False)


class PushSerializer(serializers.Serializer):
    source = serializers.IntegerField()  # type: ignore[assignment]
    items = PushItemSerializer(many=True)


class PushResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "invalid"])
    post_id = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


@extend_schema(
    request=PushSerializer,
    responses={200: PushResultSerializer(many=True)},
    summary="Push public posts into a monitoring source",
    description=(
        "Up to SITROOM_PUSH_MAX_ITEMS items per call. Idempotent: an item whose id the source "
        "already holds is reported as a duplicate and left unchanged. Invalid items are "
        "reported one by one; the valid ones are still stored."
    ),
)
@api_view(["POST"])
def posts_push_view(request: Request) -> Response:
    data: Any = request.data
    if (
        not isinstance(data, dict)
        or "source" not in data
        or not isinstance(data.get("items"), list)
    ):
        return Response(
            {"detail": _('Send {"source": <id>, "items": [...]}.')},
            status=status.HTTP_400_BAD_REQUEST,
        )
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - IsAuthenticated already refused
        raise Http404
    source = source_for_push(request.user, data["source"])
    if source.kind != SourceKind.PUSH:
        # A connector's source: a pushed id could pre-empt the real post with the same id.
        return Response(
            {
                "detail": _(
                    "Source %(id)d is fed by its connector (%(kind)s); push into a source of "
                    "kind push."
                )
                % {"id": source.pk, "kind": source.kind}
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    raw_items = data["items"]
    if not raw_items or len(raw_items) > conf.PUSH_MAX_ITEMS:
        return Response(
            {"detail": _("Send between 1 and %(n)d items.") % {"n": conf.PUSH_MAX_ITEMS}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    rows: list[dict[str, Any]] = []
    valid: list[tuple[int, PostIn]] = []
    for index, raw in enumerate(raw_items):
        try:
            valid.append((index, item_from_dict(raw)))
            rows.append({})
        except ItemError as exc:
            ident = scrub(str(raw.get("id", ""))) if isinstance(raw, dict) else ""
            rows.append(
                {
                    "index": index,
                    "id": ident,
                    "status": "invalid",
                    "post_id": None,
                    "error": str(exc),
                }
            )
    results = (
        posts_push(
            source=source,
            items=[item for _i, item in valid],
            by=user,
            rejected=len(raw_items) - len(valid),
        )
        if valid
        else []
    )
    for (index, _item), result in zip(valid, results, strict=True):
        rows[index] = {
            "index": index,
            "id": result.external_id,
            "status": result.status,
            "post_id": result.post_id,
            "error": "",
        }
    counts = {s: sum(r["status"] == s for r in rows) for s in ("created", "duplicate", "invalid")}
    return Response({**counts, "results": rows})
