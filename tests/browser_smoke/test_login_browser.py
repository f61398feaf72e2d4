from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_two_factor_and_see_organisation(world, page, live_server, browser_login):
    browser_login(page, "owner")
    page.goto(live_server.url + "/accounts/orgs/ec/members/")
    assert page.locator("h1").inner_text().startswith("Electoral Commission")
    assert page.locator("text=Invite someone").is_visible()


def test_outsider_sees_not_found(world, page, live_server, browser_login):
    browser_login(page, "outsider")
    response = page.goto(live_server.url + "/accounts/orgs/ec/members/")
    assert response is not None and response.status == 404


def test_the_language_switch_works_under_the_content_security_policy(page, live_server):
    """The page's only script behaviour outside htmx (site.js) runs with inline script
    forbidden, and nothing on the page is refused by the policy."""
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(live_server.url + "/report/")
    with page.expect_navigation():
        page.select_option("#lang-switch", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert refused == []
