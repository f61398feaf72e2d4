from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sitroom.accounts.models import Membership


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error body carrying a ``detail`` a person can act on."""
    response = drf_exception_handler(exc, context)
    if (
        response is not None and isinstance(response.data, dict) and "detail" not in response.data
    ) or (response is not None and isinstance(response.data, list)):
        response.data = {"detail": "The request is not valid.", "errors": response.data}
    return response


class MembershipSerializer(serializers.ModelSerializer):
    organisation: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    organisation_kind = serializers.CharField(source="organisation.kind", read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "organisation_kind", "role"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    memberships = MembershipSerializer(many=True)


@extend_schema(responses=MeSerializer, summary="The authenticated user and their roles")
@api_view(["GET"])
def me(request: Request) -> Response:
    user = request.user
    if not user.is_authenticated:
        raise Http404
    memberships = Membership.objects.filter(user_id=user.pk).select_related("organisation")
    return Response(
        MeSerializer({"username": user.get_username(), "memberships": memberships}).data
    )
