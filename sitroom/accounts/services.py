"""Every write to organisations, memberships, invitations and tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sitroom.accounts.models import ApiToken, Invitation, Membership, Organisation, Role
from sitroom.audit.services import audit_record, snapshot
from sitroom.core.tasks import email_send


@transaction.atomic
def organisation_create(*, name: str, slug: str, kind: str, country: str = "") -> Organisation:
    org = Organisation.objects.create(name=name, slug=slug, kind=kind, country=country)
    audit_record(action="organisation.create", obj=org, organisation=org, after=snapshot(org))
    return org


@transaction.atomic
def membership_grant(*, user: User, organisation: Organisation, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        audit_record(
            action="membership.grant",
            obj=membership,
            organisation=organisation,
            after={"user": user.get_username(), "role": role},
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    organisation = membership.organisation
    # The organisation's row is locked first: two admins removing each other at once on
    # PostgreSQL would otherwise both see two admins and leave none.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if (
        membership.role == Role.ADMIN
        and organisation.memberships.filter(role=Role.ADMIN).count() == 1
    ):
        raise ValidationError(_("An organisation must keep at least one administrator."))
    audit_record(
        action="membership.revoke",
        obj=membership,
        organisation=organisation,
        before={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: str, invited_by: User
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and the raw token."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    raw, digest = Invitation.new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email.strip().lower(),
        role=role,
        token_digest=digest,
        invited_by=invited_by,
        expires_at=timezone.now() + Invitation.VALID_FOR,
    )
    audit_record(
        action="invitation.create",
        obj=invitation,
        organisation=organisation,
        after={"email": invitation.email, "role": role},
    )
    link = settings.SITE_URL + reverse("accounts:invitation_accept", args=[raw])
    subject = _("You are invited to %(org)s on %(site)s") % {
        "org": organisation.name,
        "site": settings.SITE_NAME,
    }
    body = _("Open this link within 7 days to join as %(role)s:\n\n%(link)s\n") % {
        "role": Role(role).label,
        "link": link,
    }
    transaction.on_commit(
        lambda: email_send.enqueue(to=[invitation.email], subject=subject, body=body)
    )
    return invitation, raw


def invitation_by_token(raw: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_digest=Invitation.digest(raw))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None, username: str = "", password: str = ""
) -> User:
    """Accept for a signed-in user, or create the account from username and password."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_open:
        raise ValidationError(_("This invitation has expired or was already used."))
    if user is not None and user.email.strip().casefold() != locked.email.strip().casefold():
        # A forwarded link must not hand the role to whoever is signed in when they click it.
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s, not to the address of the account you "
                "are signed in with. Sign out to accept it with a new account, or ask for an "
                "invitation to your own address."
            )
            % {"email": locked.email}
        )
    if user is None:
        if User.objects.filter(email__iexact=locked.email.strip()).exists():
            # One person, one account: the role goes to the account of that address.
            raise ValidationError(
                _("An account with the address %(email)s exists: sign in with it to accept.")
                % {"email": locked.email}
            )
        username = User.normalize_username(username)  # "ｓａｒａ" is "sara"
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("That username is taken."))
        user = User.objects.create_user(username=username, email=locked.email, password=password)
        audit_record(
            action="user.create",
            obj=user,
            organisation=locked.organisation,
            after={"username": username},
            actor_user=user,
        )
    membership_grant(user=user, organisation=locked.organisation, role=locked.role)
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    audit_record(
        action="invitation.accept", obj=locked, organisation=locked.organisation, actor_user=user
    )
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            _("This invitation was accepted; remove the member instead of cancelling it.")
        )
    if invitation.revoked_at is not None:
        return  # cancelled already: nothing changes, nothing to record
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(action="invitation.revoke", obj=invitation, organisation=invitation.organisation)


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw secret is returned once and never stored."""
    raw, digest = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API token", digest=digest, hint=raw[:8]
    )
    audit_for_user(action="api_token.create", user=user, obj=token, after={"name": token.name})
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_for_user(
            action="api_token.revoke", user=token.user, obj=token, before={"name": token.name}
        )


def audit_for_user(
    *,
    action: str,
    user: User,
    obj: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """An account's security event (sign-in, token, second factor) in the audit log of every
    organisation the person belongs to, so each one's admins see it; with no membership, in
    the site-wide log."""
    organisations: list[int | None] = list(
        Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True)
    ) or [None]
    for organisation in dict.fromkeys(organisations):
        audit_record(
            action=action,
            obj=obj,
            organisation=organisation,
            before=before,
            after=after,
            actor_user=user,
        )
