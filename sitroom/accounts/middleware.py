from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode

from sitroom.accounts.models import Membership

_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/accounts/password-reset/",
    "/accounts/reset/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/api/",
)


class RequireTwoFactorMiddleware:
    """Members holding a role in REQUIRE_2FA_ROLES, and staff (the Django admin), must pass
    TOTP before any page but signing in, out and resetting a password. Someone signed in who
    opens an invitation passes it first too (an anonymous one creates the account first).

    The API paths are exempt here: a personal token is a credential of its own, and a
    session on the API is refused by ``api_auth.VerifiedSessionAuthentication`` until the
    second factor is passed (a password-only session once read the cases API).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_EXEMPT_PREFIXES) and second_factor_missing(request.user):
            return redirect("/accounts/2fa/?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)


def second_factor_missing(user: Any) -> bool:
    """A signed-in member with a role that needs TOTP, or a staff user, who has not passed it
    this session.
    (The API's session authentication asks the same: api_auth.VerifiedSessionAuthentication.)"""
    return bool(
        settings.REQUIRE_2FA_ROLES
        and user is not None
        and user.is_authenticated
        and not (hasattr(user, "is_verified") and user.is_verified())
        and (
            user.is_staff  # the Django admin shows everything, TOTP secrets included
            or user.is_superuser
            or Membership.objects.filter(
                user_id=user.pk, role__in=settings.REQUIRE_2FA_ROLES
            ).exists()
        )
    )
