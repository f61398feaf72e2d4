from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from sitroom.accounts.models import ApiToken, Invitation, Membership, Role
from sitroom.audit.models import AuditEvent
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db


def test_members_page_shows_members_to_members(world, login):
    response = login(world.member).get("/accounts/orgs/ec/members/")
    assert response.status_code == 200
    assert b"owner" in response.content
    assert b"Invite someone" not in response.content  # analysts cannot invite


def test_outsider_gets_404_on_members_audit_and_actions(world, login):
    client = login(world.outsider)
    assert client.get("/accounts/orgs/ec/members/").status_code == 404
    assert client.get("/accounts/orgs/ec/audit/").status_code == 404
    membership = Membership.objects.get(user=world.member)
    assert client.post(f"/accounts/orgs/ec/members/{membership.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_anonymous_is_sent_to_login(world):
    response = Client().get("/accounts/orgs/ec/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_without_admin_role_cannot_invite_or_remove(world, login):
    client = login(world.member)
    assert (
        client.post(
            "/accounts/orgs/ec/members/", {"email": "x@example.org", "role": "viewer"}
        ).status_code
        == 404
    )
    owner_membership = Membership.objects.get(user=world.owner)
    assert (
        client.post(f"/accounts/orgs/ec/members/{owner_membership.pk}/remove/").status_code == 404
    )
    assert client.get("/accounts/orgs/ec/audit/").status_code == 404
    assert not Invitation.objects.exists()


def test_invitation_by_email_link_creates_account_with_role(
    world, login, django_capture_on_commit_callbacks
):
    owner = login(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            "/accounts/orgs/ec/members/", {"email": "New@Example.org", "role": "reviewer"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/invitation/(\S+)/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    token = link.group(1)

    guest = Client()
    page = guest.get(f"/accounts/invitation/{token}/")
    assert page.status_code == 200 and b"Electoral Commission" in page.content
    bad = guest.post(f"/accounts/invitation/{token}/", {"username": "newbie", "password": "123"})
    assert bad.status_code == 200 and b"errorlist" in bad.content  # weak password refused
    ok = guest.post(
        f"/accounts/invitation/{token}/",
        {"username": "newbie", "password": "correct horse battery staple"},
    )
    assert ok.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.email == "new@example.org"
    assert Membership.objects.filter(user=user, organisation=world.org, role=Role.REVIEWER).exists()
    # The link works once only.
    assert Client().get(f"/accounts/invitation/{token}/").status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"invitation.create", "invitation.accept", "membership.grant"} <= actions


def test_last_admin_cannot_be_removed(world, login):
    client = login(world.owner)
    membership = Membership.objects.get(user=world.owner, role=Role.ADMIN)
    client.post(f"/accounts/orgs/ec/members/{membership.pk}/remove/")
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_member_and_it_is_audited(world, login):
    client = login(world.owner)
    membership = Membership.objects.get(user=world.member)
    assert client.post(f"/accounts/orgs/ec/members/{membership.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.revoke")
    assert event.actor_label == "owner"
    assert event.before == {"user": "member", "role": "analyst"}
    assert event.ip_hash and "127.0.0.1" not in event.ip_hash


def test_staff_roles_must_pass_totp(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "owner", "password": "pw-owner-long-enough"}
        ).status_code
        == 302
    )
    response = client.get("/accounts/orgs/ec/members/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    wrong = client.post("/accounts/2fa/", {"code": "000000", "next": "/accounts/orgs/ec/members/"})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    right = client.post(
        "/accounts/2fa/", {"code": totp_code(), "next": "/accounts/orgs/ec/members/"}
    )
    assert right.status_code == 302 and right["Location"] == "/accounts/orgs/ec/members/"
    assert client.get("/accounts/orgs/ec/members/").status_code == 200


def test_totp_next_cannot_redirect_off_site(world):
    client = Client()
    client.force_login(world.owner)
    response = client.post("/accounts/2fa/", {"code": totp_code(), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_2fa_requirement_is_configurable(world, settings):
    settings.REQUIRE_2FA_ROLES = []
    client = Client()
    client.force_login(world.owner)
    assert client.get("/accounts/orgs/ec/members/").status_code == 200


def test_new_user_enrols_a_totp_device(world):
    user = User.objects.create_user(username="fresh", password="x-long-password-123")
    from sitroom.accounts.services import membership_grant

    membership_grant(user=user, organisation=world.org, role=Role.REVIEWER)
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/2fa/")
    assert b"Scan this code" in page.content and b"data:image/svg+xml" in page.content
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    response = client.post("/accounts/2fa/", {"code": f"{totp(device.bin_key):06d}", "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_password_reset_sends_a_working_link(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    client = Client()
    client.post("/accounts/password-reset/", {"email": "owner@example.org"})
    assert len(mail.outbox) == 1
    path = re.search(r"http://\S+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    follow = client.get(path, follow=True)
    assert b"Choose a new password" in follow.content and b"no longer valid" not in follow.content


def test_api_token_lifecycle(world, login):
    client = login(world.member)
    page = client.post("/accounts/tokens/", {"name": "my script"})
    secret = re.search(rb'id="new-token">(srt_[^<]+)<', page.content).group(1).decode()
    token = ApiToken.objects.get(user=world.member)
    assert token.digest != secret and secret not in token.hint + token.digest

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = api.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["memberships"] == [
        {"organisation": "ec", "organisation_kind": "emb", "role": "analyst"}
    ]
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer srt_nonsense").get("/api/v1/me").status_code == 401
    assert Client().get("/api/v1/me").status_code in (401, 403)


def test_someone_elses_token_cannot_be_revoked(world, login):
    from sitroom.accounts.services import api_token_create

    token, _raw = api_token_create(user=world.owner, name="owner's")
    response = login(world.outsider).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_password_only_session_cannot_use_the_api_where_pages_need_two_factor(world, login):
    """The pages' two-step rule holds on the API: a session that has not passed TOTP reads
    nothing (it once read /api/v1/cases), a verified one and a personal token do."""
    client = Client()
    client.force_login(world.owner)  # an admin: REQUIRE_2FA_ROLES asks TOTP of admins
    assert client.get("/accounts/orgs/ec/members/").status_code == 302
    assert client.get("/api/v1/me").status_code in (401, 403)
    assert login(world.owner).get("/api/v1/me").status_code == 200
    analyst = Client()
    analyst.force_login(world.member)  # no role that needs TOTP: the session is enough
    assert analyst.get("/api/v1/me").status_code == 200


def test_api_limits_are_bounded(world, login):
    client = login(world.owner)
    for query in ("limit=99999999999999999999", "offset=99999999999999999999", "limit=1000000"):
        response = client.get(f"/api/v1/factchecks?{query}")
        assert response.status_code == 200, (query, response.content[:300])


def test_an_invitation_for_another_address_is_not_accepted_by_whoever_is_signed_in(world, login):
    from sitroom.accounts.services import invitation_create

    _invitation, token = invitation_create(
        organisation=world.org, email="someone.else@example.org", role="reviewer",
        invited_by=world.owner,
    )  # fmt: skip
    world.outsider.email = "outsider@example.org"
    world.outsider.save()
    client = login(world.outsider)  # verified, another organisation's admin
    response = client.post(f"/accounts/invitation/{token}/")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=world.outsider, organisation=world.org).exists()
    # Signed in without the second factor: asked for it first, even on an invitation.
    half = Client()
    half.force_login(world.owner)
    assert half.get(f"/accounts/invitation/{token}/")["Location"].startswith("/accounts/2fa/")


def test_staff_need_the_second_factor_for_the_admin(world, login):
    staff = User.objects.create_user(username="root", password="pw-root-long-enough", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/")


def test_the_admin_cannot_undo_a_revocation_or_grant_roles():
    from django.contrib import admin as django_admin

    from sitroom.accounts.admin import MembershipInline

    token_admin = django_admin.site._registry[ApiToken]
    assert "revoked_at" in token_admin.get_readonly_fields(None)
    assert not token_admin.has_add_permission(None)
    assert not MembershipInline(Membership, django_admin.site).has_add_permission(None)


def test_sign_in_attempts_are_limited_per_username_and_audited(world):
    client = Client()
    for _ in range(10):
        wrong = client.post("/accounts/login/", {"username": "member", "password": "nope"})
        assert wrong.status_code == 200
    assert (
        AuditEvent.objects.filter(action="user.login_failed", organisation=world.org).count() == 10
    )
    right = client.post(
        "/accounts/login/", {"username": "member", "password": "pw-member-long-enough"}
    )
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    other = Client().post(
        "/accounts/login/", {"username": "outsider", "password": "pw-outsider-long-enough"}
    )
    assert other.status_code == 302  # another name from the same address is not blocked
    assert AuditEvent.objects.filter(action="user.login", actor__username="outsider").exists()


def test_password_resets_are_limited_per_address_and_audited(world):
    world.member.email = "member@example.org"
    world.member.save()
    for _ in range(5):
        response = Client().post("/accounts/password-reset/", {"email": "member@example.org"})
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="user.password_reset_request").count() == 3


def test_an_accepted_invitation_cannot_be_cancelled(world, login):
    from sitroom.accounts.services import invitation_accept, invitation_create

    invitation, _token = invitation_create(
        organisation=world.org, email="new@example.org", role="analyst", invited_by=world.owner
    )
    invitation_accept(invitation=invitation, user=None, username="newbie", password="x" * 20)
    response = login(world.owner).post(f"/accounts/orgs/ec/invitations/{invitation.pk}/cancel/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert not AuditEvent.objects.filter(action="invitation.revoke").exists()


def test_the_username_limit_counts_the_name_the_form_authenticates(world):
    client = Client()
    for _ in range(10):
        client.post("/accounts/login/", {"username": "member", "password": "nope"})
    for disguise in (" member", "member\t", "\u00a0member", "ｍｅｍｂｅｒ", "MEMBER"):
        response = client.post(
            "/accounts/login/", {"username": disguise, "password": "pw-member-long-enough"}
        )
        assert response.status_code == 429, disguise


def test_the_admin_signs_in_through_the_limited_page():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_an_invitation_to_an_address_with_an_account_is_accepted_by_that_account(world):
    from sitroom.accounts.services import invitation_create

    world.member.email = "member@example.org"
    world.member.save()
    _inv, token = invitation_create(
        organisation=world.org, email="MEMBER@example.org", role="admin", invited_by=world.owner
    )
    guest = Client()
    page = guest.post(
        f"/accounts/invitation/{token}/", {"username": "second", "password": "x" * 20 + "Aa1!"}
    )
    assert page.status_code == 200 and b"sign in with it" in page.content
    assert not User.objects.filter(username="second").exists()
    _inv2, token2 = invitation_create(
        organisation=world.org, email="new@example.org", role="analyst", invited_by=world.owner
    )
    taken = guest.post(
        f"/accounts/invitation/{token2}/",
        {"username": "ｍｅｍｂｅｒ", "password": "x" * 20 + "Aa1!"},
    )
    assert taken.status_code == 200 and b"That username is taken" in taken.content
