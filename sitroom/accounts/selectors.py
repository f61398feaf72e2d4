"""Reads of organisations and memberships. Every org-scoped page starts here."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from sitroom.accounts.models import ApiToken, Invitation, Membership, Organisation, Role

AnyUser = AbstractBaseUser | AnonymousUser


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, for views behind login_required (anonymous here is a bug: 404)."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


def user_roles(user: AnyUser, organisation: Organisation | None = None) -> set[str]:
    """The user's roles, in one organisation or across all of theirs."""
    if not user.is_authenticated:
        return set()
    memberships = Membership.objects.filter(user_id=user.pk)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return set(memberships.values_list("role", flat=True))


def user_organisations(user: AnyUser) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user_id=user.pk).distinct()


def organisation_for_member(
    user: AnyUser, slug: str, *, roles: Iterable[str] | None = None
) -> Organisation:
    """The organisation if the user holds one of ``roles`` there (any role if None), else 404.

    Outsiders get a 404, not a 403: they must not learn that the organisation page exists.
    """
    if not user.is_authenticated:
        raise Http404
    memberships = Membership.objects.filter(user_id=user.pk, organisation__slug=slug)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    membership = memberships.select_related("organisation").first()
    if membership is None:
        raise Http404
    return membership.organisation


def has_role_anywhere(user: AnyUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user_id=user.pk, role__in=roles).exists()


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("user__username", "role")


def organisation_open_invitations(organisation: Organisation) -> list[Invitation]:
    return [
        i for i in organisation.invitations.filter(accepted_at=None, revoked_at=None) if i.is_open
    ]


def user_api_tokens(user: AnyUser) -> QuerySet[ApiToken]:
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk, revoked_at=None)


def staff_roles() -> list[str]:
    return [r for r in Role.values if r != Role.VIEWER]
