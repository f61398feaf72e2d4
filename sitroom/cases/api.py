"""API of the cases app: the review body's cases (scoped like the pages) and the public register."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from sitroom.cases import selectors
from sitroom.cases.forms import RegisterFilterForm
from sitroom.cases.models import Assessment, Case, CaseAssignment, CaseStatus, Decision


class AssignmentSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username")
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = CaseAssignment
        fields = ["stage", "reviewer", "is_chair", "assigned_at", "active"]


class DecisionSerializer(serializers.ModelSerializer):
    criteria_version = serializers.IntegerField(source="criteria.version", allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "stage",
            "outcome",
            "authority",
            "reasons",
            "public_summary",
            "criteria_version",
            "rule",
            "votes",
            "published_at",
        ]


class CaseSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "title",
            "category",
            "language",
            "region",
            "status",
            "status_changed_at",
            "priority",
            "priority_score",
            "report_count",
            "stated_reach",
            "reviewers_required",
            "decision_rule",
            "created_at",
            "overdue",
            "url",
        ]

    def get_overdue(self, obj: Case) -> bool:
        return selectors.case_clock(obj)[2]

    def get_url(self, obj: Case) -> str:
        return f"{settings.SITE_URL}/cases/{obj.pk}/"


class CaseDetailSerializer(CaseSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    reports = serializers.SerializerMethodField()
    assessments = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "assignments", "decisions", "reports", "assessments"]

    def get_reports(self, obj: Case) -> list[dict[str, Any]]:
        # No tracking codes, contact details or sender hashes: only what reviewers assess.
        return [
            {
                "id": r.pk,
                "channel": r.channel,
                "category": r.category,
                "language": r.language,
                "region": r.region,
                "text": r.text,
                "urls": [u.canonical for u in r.urls.all()],
                "seen_at": r.seen_at,
                "created_at": r.created_at,
            }
            for r in obj.reports.prefetch_related("urls").order_by("created_at")  # type: ignore[attr-defined]
        ]

    def get_assessments(self, obj: Case) -> dict[str, list[dict[str, Any]] | None]:
        """Per stage; null while the caller may not see them yet (independence)."""
        user = self.context["request"].user
        result: dict[str, list[dict[str, Any]] | None] = {}
        for stage in ("review", "appeal"):
            visible: list[Assessment] | None = selectors.assessments_visible_to(obj, user, stage)
            result[stage] = (
                None
                if visible is None
                else [
                    {
                        "reviewer": a.reviewer.username,
                        "outcome": a.outcome,
                        "authority": a.authority,
                        "reasons": a.reasons,
                        "criteria_version": a.criteria.version if a.criteria else None,
                        "submitted_at": a.submitted_at,
                    }
                    for a in visible
                ]
            )
        return result


class CaseFilterSerializer(serializers.Serializer):
    """The list's filters: one it cannot read is a 400, as on the queue page, never ignored."""

    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True, max_length=40)
    language = serializers.CharField(required=False, allow_blank=True, max_length=12)
    region = serializers.CharField(required=False, allow_blank=True, max_length=100)


@extend_schema(
    summary="Cases, most urgent first (404 outside the review body)",
    parameters=[CaseFilterSerializer],
)
class CaseList(generics.ListAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self) -> QuerySet[Case]:
        if not selectors.is_review_member(self.request.user):
            raise Http404
        filters = CaseFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.cases_visible_to(self.request.user).order_by("-priority_score", "pk")
        for name, value in filters.validated_data.items():
            if value:
                cases = cases.filter(**{name: value})
        return cases


@extend_schema(summary="One case (404 outside the review body)")
class CaseDetail(generics.RetrieveAPIView):
    serializer_class = CaseDetailSerializer

    def get_object(self) -> Case:
        return selectors.case_for_member(self.request.user, self.kwargs["pk"])


class RegisterEntrySerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField()
    category = serializers.CharField()
    language = serializers.CharField()
    region = serializers.CharField()
    report_count = serializers.IntegerField()
    summary = serializers.CharField()
    decision = serializers.JSONField()
    appeal_status = serializers.CharField(allow_null=True)
    appeal_decision = serializers.JSONField(allow_null=True)
    final_outcome = serializers.CharField(allow_null=True)


@extend_schema(summary="The public register of decisions (no authentication)")
class RegisterList(generics.ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = RegisterEntrySerializer

    def get_queryset(self) -> QuerySet[Case]:
        # As /register.json: a filter that cannot be read is a 400, never silently dropped
        # (that would pass the whole register off as the filtered one).
        form = RegisterFilterForm(self.request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors_by_field())
        return selectors.register_cases(form.filters())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        records = [selectors.register_record(c, base_url=settings.SITE_URL) for c in page or []]
        return self.get_paginated_response(records)
