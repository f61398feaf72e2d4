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
