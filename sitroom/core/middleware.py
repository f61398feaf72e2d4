"""Response headers every page gets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class ContentSecurityPolicyMiddleware:
    """``Content-Security-Policy`` (``settings.CONTENT_SECURITY_POLICY``) on every response.

    Scripts only from the app's own static files, no inline script or ``eval``, no plugins,
    no framing: a link or text that slipped past escaping and ``|href`` still cannot run.
    Paths in ``CSP_EXEMPT_PREFIXES`` (the OpenAPI browser, which loads its own scripts) are
    left without it. Django 6 has this built in; this is the 5.2 LTS stand-in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if (
            policy
            and "Content-Security-Policy" not in response
            and not request.path.startswith(tuple(settings.CSP_EXEMPT_PREFIXES))
        ):
            response["Content-Security-Policy"] = policy
        return response


class RefuseNulMiddleware:
    """400 for a NUL character in the path or the query string.

    No link or form ever sends one, PostgreSQL refuses it in text (a search for ``%00`` was a
    500 there and nothing on SQLite), and views read ``request.GET`` in many places; forms
    already refuse it in posted fields (Django's ``ProhibitNullCharactersValidator``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                b"NUL characters are not allowed in addresses.", content_type="text/plain"
            )
        return self.get_response(request)
