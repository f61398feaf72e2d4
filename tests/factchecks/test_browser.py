"""The issue's "done when": claim → taken → approved → published → matched on a new report."""

from __future__ import annotations

import json

import pytest

from sitroom.factchecks.models import Article
from sitroom.factchecks.services import claim_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_newsrooms_check_approve_publish_and_reporter_gets_instant_answer(
    newsrooms, browser, page, live_server, browser_login
):
    n = newsrooms
    claim = claim_create(
        text="The presidential election has been postponed by one week to next Sunday.",
        language="en",
        claimant="Viral WhatsApp message",
        by=n.lucia,
    )

    # Kofi (FactCheck Afrique) takes the claim from the shared queue.
    browser_login(page, "kofi")
    page.goto(live_server.url + "/factchecks/claims/")
    with page.expect_navigation():
        page.click(f"a[href='/factchecks/claims/{claim.pk}/']")
    with page.expect_navigation():
        page.click("text=We are checking this")
    assert "FactCheck Afrique is checking this" in page.locator("#checking").inner_text()

    # Lucia (Verifica Sur) sees it taken, and by whom.
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(other, "lucia")
    other.goto(live_server.url + "/factchecks/claims/")
    row = other.locator("tr", has_text="postponed by one week")
    assert "FactCheck Afrique · kofi" in row.locator(".checked-by").inner_text()
    other.goto(live_server.url + f"/factchecks/claims/{claim.pk}/")
    assert "Another newsroom is already checking this" in other.content()
    other.context.close()

    # Kofi drafts the fact-check and sends it to his editor.
    page.fill("#id_title", "No, the presidential election has not been postponed")
    page.select_option("#id_rating", label="False")
    page.fill("#id_summary", "The electoral commission confirms the vote takes place as planned.")
    with page.expect_navigation():
        page.click("text=Create draft")
    article = Article.objects.get(claim=claim)
    with page.expect_navigation():
        page.click("text=Send for approval")
    assert "you cannot approve your own article" in page.content()
    assert page.locator("button", has_text="Approve").count() == 0

    # Edna, FactCheck Afrique's administrator, approves and publishes.
    editor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(editor, "edna")
    editor.goto(live_server.url + f"/factchecks/articles/{article.pk}/")
    with editor.expect_navigation():
        editor.click("button:has-text('Approve')")
    with editor.expect_navigation():
        editor.click("button:has-text('Publish')")
    assert editor.locator("#article-status").inner_text() == "Published"
    editor.context.close()

    # The public page carries ClaimReview JSON-LD that parses.
    public = browser.new_context().new_page()
    public.goto(live_server.url + f"/factchecks/{article.slug}/")
    data = json.loads(public.locator("script[type='application/ld+json']").text_content())
    assert data["@type"] == "ClaimReview" and data["claimReviewed"] == claim.text
    assert data["reviewRating"]["alternateName"] == "False"
    assert data["author"]["name"] == "FactCheck Afrique"
    public.context.close()

    # A citizen reports the same claim in French on a phone: the fact-check is shown at once.
    citizen = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="fr-FR"
    ).new_page()
    response = citizen.goto(live_server.url + "/report/")
    assert response is not None and response.status == 200, "the reports form is not ready"
    citizen.fill(
        "#id_text",
        "Message WhatsApp : l'élection présidentielle est reportée d'une semaine, à dimanche prochain !",
    )
    category = citizen.locator("input[name=category][value=electoral_process]")
    if category.count():
        category.check()
    with citizen.expect_navigation():
        citizen.click("main button[type=submit]")
    assert "/report/sent/" in citizen.url
    instant = citizen.locator(".instant")
    assert "No, the presidential election has not been postponed" in instant.inner_text()
    assert instant.locator(f"a[href$='/factchecks/{article.slug}/']").count() == 1
    citizen.context.close()
