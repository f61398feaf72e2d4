"""Sign-in, two-factor, invitations, members and personal API tokens. Views stay thin."""

from __future__ import annotations

import base64
import unicodedata
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sitroom.accounts import selectors, services
from sitroom.accounts.forms import AcceptInvitationForm, ApiTokenForm, InvitationForm, TotpForm
from sitroom.accounts.models import ApiToken, Invitation, Membership, Role


def _throttled(request: HttpRequest, limits: list[tuple[str, str]]) -> int:
    """Seconds to wait if any (bucket, key) is over its limit (reports.conf.RATE_LIMITS);
    0 when the request may go on. Keys are hashed: no address or name is stored."""
    from sitroom.lib.hashing import keyed_hash
    from sitroom.reports.ratelimit import rate_limit_hit

    wait = 0
    for bucket, key in limits:
        verdict = rate_limit_hit(bucket=bucket, sender_hash=keyed_hash(key, purpose=bucket))
        if not verdict.allowed:
            wait = max(wait, verdict.retry_after)
    return wait


class LoginView(auth_views.LoginView):
    """Django's sign-in with a limit on attempts per client address and per username, so a
    password cannot be guessed by trying (every attempt counts, right or wrong)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from sitroom.lib.hashing import client_ip

        # The name as the form will authenticate it (stripped, NFKC): " tom" and "ｔｏｍ" are
        # tom, and must count against tom's attempts.
        username = unicodedata.normalize("NFKC", str(request.POST.get("username", "")).strip())
        username = username[:150].casefold()
        wait = _throttled(request, [("login", client_ip(request)), ("login-user", username)])
        if wait:
            messages.error(
                request,
                _("Too many sign-in attempts. Try again in %(minutes)d minutes.")
                % {"minutes": max(1, round(wait / 60))},
            )
            response = self.render_to_response(self.get_context_data(form=self.form_class(request)))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email, limited per client address and per address asked for (no
    mailbox flooded), and audited for the accounts it reaches. The answer is the same
    whether or not the address has an account, or the limit was reached."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    success_url = "/accounts/password-reset/sent/"

    def form_valid(self, form: Any) -> HttpResponse:
        from sitroom.lib.hashing import client_ip

        email = form.cleaned_data["email"].strip().casefold()
        if _throttled(self.request, [("reset", client_ip(self.request)), ("reset-user", email)]):
            return redirect(self.success_url)
        for user in form.get_users(email):
            services.audit_for_user(action="user.password_reset_request", user=user, obj=user)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = "/accounts/login/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.audit_for_user(action="user.password_reset", user=form.user, obj=form.user)
        return response


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code, enrolling a new device first when the user has none confirmed."""
    user = request.user
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        with transaction.atomic():
            device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    assert device is not None
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", _("Too many wrong codes. Wait a few seconds and try again."))
        elif device.verify_token(form.cleaned_data["code"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                services.audit_for_user(action="2fa.enrol", user=device.user, obj=device)
            otp_login(request, device)
            return redirect(_safe_next(request))
        else:
            form.add_error(
                "code", _("That code is not right. Check your phone's clock and try again.")
            )
    qr_svg = ""
    if enrolling:
        qr = segno.make(device.config_url, error="m")
        qr_svg = (
            "data:image/svg+xml;base64,"
            + base64.b64encode(qr.svg_inline(scale=4).encode()).decode()
        )
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "enrolling": enrolling,
            "qr_src": qr_svg,
            "secret": base64.b32encode(device.bin_key).decode() if enrolling else "",
            "next": _safe_next(request),
        },
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    form = None if signed_in else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (signed_in or (form is not None and form.is_valid())):
        try:
            user = services.invitation_accept(
                invitation=invitation,
                user=request.user if signed_in else None,  # type: ignore[arg-type]
                username=form.cleaned_data["username"] if form else "",
                password=form.cleaned_data["password"] if form else "",
            )
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect("core:home")
            form.add_error(None, exc)
        else:
            if not signed_in:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
            messages.success(
                request, _("Welcome to %(org)s.") % {"org": invitation.organisation.name}
            )
            return redirect("core:home")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@login_required
def organisation_members(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_for_member(request.user, slug)
    is_admin = Role.ADMIN in selectors.user_roles(request.user, organisation)
    form = InvitationForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=selectors.signed_in_user(request),
            )
            messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
            return redirect("accounts:members", slug=slug)
    return render(
        request,
        "accounts/members.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(organisation),
            "invitations": selectors.organisation_open_invitations(organisation)
            if is_admin
            else [],
            "is_admin": is_admin,
            "form": form,
        },
    )


@login_required
@require_POST
def membership_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organisation = selectors.organisation_for_member(request.user, slug, roles=[Role.ADMIN])
    membership = get_object_or_404(Membership, pk=membership_id, organisation=organisation)
    try:
        services.membership_revoke(membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:members", slug=slug)


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    organisation = selectors.organisation_for_member(request.user, slug, roles=[Role.ADMIN])
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=organisation)
    try:
        services.invitation_revoke(invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:members", slug=slug)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_secret = ""
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.api_token_create(
            user=selectors.signed_in_user(request),
            name=form.cleaned_data["name"],
        )
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": selectors.user_api_tokens(request.user), "new_secret": new_secret},
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user_id=request.user.pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:api_tokens")
