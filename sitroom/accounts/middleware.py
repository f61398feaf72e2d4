from __future__ import annotations

from collections.abc import Callable

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
    "/accounts/invitation/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/api/",
)


class RequireTwoFactorMiddleware:
    """Members holding a role in REQUIRE_2FA_ROLES must pass TOTP before any staff page.

    The API is exempt: it is reached with personal tokens, not sessions with passwords.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REQUIRE_2FA_ROLES
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and Membership.objects.filter(
                user_id=user.pk, role__in=settings.REQUIRE_2FA_ROLES
            ).exists()
        ):
            return redirect("/accounts/2fa/?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
