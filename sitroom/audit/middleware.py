from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sitroom.audit.context import ActorContext, acting_as
from sitroom.lib.hashing import ip_hash


class AuditContextMiddleware:
    """Makes the acting user and the hashed client address available to audit_record."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        actor = ActorContext(
            user_id=user.pk if authenticated and user is not None else None,
            label=user.get_username() if authenticated and user is not None else "",
            ip_hash=ip_hash(request, purpose="audit"),
            channel="api" if request.path.startswith("/api/") else "web",
        )
        with acting_as(actor):
            return self.get_response(request)
