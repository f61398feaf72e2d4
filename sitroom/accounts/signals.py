"""Sign-in events in the audit log: who signed in, out, or failed to, in every organisation
the account belongs to (``services.audit_for_user``). A failed sign-in is recorded only for
an account that exists: what someone typed as an unknown username (often a password) is
never stored."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sitroom.accounts import services


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    services.audit_for_user(action="user.login", user=user, obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        services.audit_for_user(action="user.logout", user=user, obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username__iexact=username).first() if username else None
    if user is not None:
        services.audit_for_user(action="user.login_failed", user=user, obj=user)
