"""Playwright + Debian's Chromium for browser tests.

Use the ``page`` fixture (phone-sized with ``phone_page``) with pytest-django's ``live_server``.
tests/conftest.py loads this module as a plugin, so every test can ask for these fixtures; do
not import them into a test module (a second copy would start a second Playwright).
Tests skip with a reason where Chromium is missing; in CI they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import require_service

CHROMIUM = os.environ.get("SITROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

__all__ = ["browser", "browser_login", "page", "phone_page"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_service(
        os.path.exists(CHROMIUM) or bool(shutil.which("chromium")),
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
    )
    # Playwright runs its own event loop; Django must allow ORM calls from this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A phone-sized page (360x740, touch) speaking French by default."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fr-FR"
    )
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def browser_login(live_server: Any) -> Any:
    """Sign a page in through the real login form and the TOTP step."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import totp_code

    def _login(pg: Any, username: str, password: str | None = None) -> None:
        TOTPDevice.objects.filter(user__username=username).update(last_t=-1)
        pg.goto(live_server.url + "/accounts/login/")
        pg.fill("input[name=username]", username)
        pg.fill("input[name=password]", password or f"pw-{username}-long-enough")
        with pg.expect_navigation():
            pg.click("main button[type=submit]")
        if "/accounts/2fa/" in pg.url:
            pg.fill("input[name=code]", totp_code())
            with pg.expect_navigation():
                pg.click("main button[type=submit]")
        assert "/accounts/login/" not in pg.url, f"sign-in failed for {username}"

    return _login
