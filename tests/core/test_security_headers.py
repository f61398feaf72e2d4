"""Headers every page carries."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy_without_inline_script():
    response = Client().get("/report/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    html = response.content.decode()
    assert " onchange=" not in html and " onclick=" not in html  # would be blocked
    assert "sitroom/site.js" in html


def test_the_api_browser_is_left_without_it():
    assert "Content-Security-Policy" not in Client().get("/api/docs/")


@pytest.mark.parametrize(
    "url",
    [
        "/factchecks/?q=%00",
        "/register/C-%00/",
        "/monitoring/?x=1&q=a%00b",
        "/%00/",
        "/track/?%00=1",
    ],
)
def test_nul_in_an_address_is_a_400_before_any_view(url):
    """PostgreSQL refuses NUL in text: a search for it was a 500 there."""
    response = Client().get(url)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_the_api_browser_works_offline():
    """Swagger UI comes from our static files (drf-spectacular-sidecar), not from a CDN."""
    from django.contrib.staticfiles import finders

    html = Client().get("/api/docs/").content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg" not in html
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
