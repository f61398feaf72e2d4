"""Shared fixtures: a small coalition with an owner, a member and an outsider.

Tests never mock the database. Services that need PostgreSQL, Redis or Chromium skip
with a reason on a developer's machine, and fail in CI (CI=true), where they must exist.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sitroom.accounts.models import Organisation, Role
from sitroom.accounts.services import membership_grant, organisation_create

# Browser fixtures (page, phone_page, browser_login) live in tests/browser.py: one Chromium per
# test process, shared by every browser test.
pytest_plugins = ["tests.browser"]

TEST_TOTP_KEY = base64.b32decode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Connections close at the end of each request in tests: the live server's request
    threads would otherwise keep theirs (CONN_MAX_AGE) and PostgreSQL could not drop the
    test database at the end."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        db["CONN_MAX_AGE"] = 0


def require_service(available: bool, reason: str) -> None:
    """Skip on a developer's machine when a service is missing; fail in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this service: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    """Tasks run inline in ordinary tests; worker tests switch to the real backends."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    owner: User
    member: User
    outsider: User


def make_user(
    username: str, *, org: Organisation | None = None, roles: tuple[str, ...] = ()
) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username + "-long-enough")
    for role in roles:
        assert org is not None
        membership_grant(user=user, organisation=org, role=role)
    TOTPDevice.objects.create(user=user, name="test", key=TEST_TOTP_KEY.hex(), confirmed=True)
    return user


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    org = organisation_create(name="Electoral Commission", slug="ec", kind="emb")
    other = organisation_create(name="Other Newsroom", slug="other", kind="factchecker")
    return World(
        org=org,
        other_org=other,
        owner=make_user("owner", org=org, roles=(Role.ADMIN,)),
        member=make_user("member", org=org, roles=(Role.ANALYST,)),
        outsider=make_user("outsider", org=other, roles=(Role.ADMIN, Role.FACT_CHECKER)),
    )


def totp_code() -> str:
    return f"{totp(TEST_TOTP_KEY):06d}"


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A client signed in as the user, with two-step verification passed."""

    def _login(user: User) -> Client:
        # Replay protection refuses a code used twice in one 30 s window; tests log in often.
        TOTPDevice.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0)
        client = Client()
        client.force_login(user)
        response = client.post("/accounts/2fa/", {"code": totp_code(), "next": "/"})
        assert response.status_code == 302, response.content[:500]
        return client

    return _login
