from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from sitroom.accounts.models import ApiToken


class UserTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer srt_…`` with a personal, revocable token."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] not in (self.keyword, "Token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(header[1]), revoked_at=None)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            # Throttled so a busy client does not write on every request.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, with CSRF, only once the second factor is passed where the
    member's roles require it (the pages' rule, ``middleware.RequireTwoFactorMiddleware``).
    A password-only session is treated as anonymous: 401 or 403, never data."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        from sitroom.accounts.middleware import second_factor_missing

        result = super().authenticate(request)
        if result is not None and second_factor_missing(getattr(request._request, "user", None)):
            return None
        return result
