"""The shared queue is for newsroom fact-checkers and admins; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from sitroom.accounts.services import api_token_create
from sitroom.factchecks.models import Article, Claim, ClaimCheck
from sitroom.factchecks.services import (
    article_create,
    article_submit,
    claim_check_start,
    claim_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(newsrooms):
    n = newsrooms
    claim = claim_create(text="Polling stations moved to police stations", by=n.kofi)
    claim_check_start(claim=claim, organisation=n.afrique, user=n.kofi)
    article = article_create(
        claim=claim,
        organisation=n.afrique,
        by=n.kofi,
        title="Polling stations were not moved",
        language="en",
        rating=n.false,
    )
    article_submit(article=article, by=n.kofi)
    return article


def _pages(article: Article) -> list[tuple[str, str]]:
    c, a = article.claim_id, article.pk
    check = ClaimCheck.objects.get(claim_id=c)
    return [
        ("get", "/factchecks/claims/"),
        ("post", "/factchecks/claims/"),
        ("get", f"/factchecks/claims/{c}/"),
        ("post", f"/factchecks/claims/{c}/check/"),
        ("post", f"/factchecks/claims/{c}/checks/{check.pk}/stop/"),
        ("post", f"/factchecks/claims/{c}/merge/"),
        ("post", f"/factchecks/claims/{c}/comment/"),
        ("post", f"/factchecks/claims/{c}/articles/new/"),
        ("get", f"/factchecks/articles/{a}/"),
        ("post", f"/factchecks/articles/{a}/"),
        ("post", f"/factchecks/articles/{a}/approve/"),
        ("post", f"/factchecks/articles/{a}/publish/"),
        ("post", f"/factchecks/articles/{a}/translation/"),
        ("post", f"/factchecks/articles/{a}/join/"),
        ("post", f"/factchecks/articles/{a}/invite/"),
        ("post", f"/factchecks/articles/{a}/comment/"),
        ("get", "/factchecks/import/"),
        ("post", "/factchecks/import/"),
    ]


def test_outsiders_get_404_on_every_newsroom_page(world, newsrooms, draft, login):
    # world.owner is an admin and world.member an analyst, both at an electoral commission:
    # neither is a newsroom fact-checker.
    for user in (world.owner, world.member):
        client = login(user)
        for method, url in _pages(draft):
            response = getattr(client, method)(url, {"into": draft.claim_id, "body": "x"})
            assert response.status_code == 404, (user, method, url)
    draft.refresh_from_db()
    assert draft.status == "in_review"


def test_anonymous_is_sent_to_sign_in(newsrooms, draft):
    response = Client().get("/factchecks/claims/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_newsroom_sees_queue_but_not_the_draft(newsrooms, draft, login):
    client = login(newsrooms.lucia)
    queue = client.get("/factchecks/claims/")
    assert queue.status_code == 200
    # The claim is visibly taken, and by whom.
    assert b"FactCheck Afrique" in queue.content and b"kofi" in queue.content
    detail = client.get(f"/factchecks/claims/{draft.claim_id}/")
    assert b"FactCheck Afrique is checking this" in detail.content
    assert client.get(f"/factchecks/articles/{draft.pk}/").status_code == 404
    assert client.post(f"/factchecks/articles/{draft.pk}/approve/").status_code == 404
    assert client.get("/factchecks/import/").status_code == 404  # not an admin


def test_api_claims_queue_is_scoped(world, newsrooms, draft):
    _t, outsider_secret = api_token_create(user=world.owner, name="t")
    _t, member_secret = api_token_create(user=newsrooms.lucia, name="t")
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {outsider_secret}")
    member = Client(HTTP_AUTHORIZATION=f"Bearer {member_secret}")
    c = draft.claim_id
    assert outsider.get("/api/v1/factchecks/claims").status_code == 404
    assert outsider.get(f"/api/v1/factchecks/claims/{c}").status_code == 404
    assert outsider.post(f"/api/v1/factchecks/claims/{c}/check").status_code == 404
    assert outsider.post("/api/v1/factchecks/claims", {"text": "x"}).status_code == 404
    listing = member.get("/api/v1/factchecks/claims")
    assert listing.status_code == 200
    row = listing.json()["results"][0]
    assert row["checked_by"][0]["organisation"] == "afrique"
    taken = member.post(f"/api/v1/factchecks/claims/{c}/check")
    assert taken.status_code == 200 and "afrique" in taken.json()["warning"]
    created = member.post("/api/v1/factchecks/claims", {"text": "Ink washes off", "language": "en"})
    assert created.status_code == 201


def test_match_api_needs_a_coalition_member(world, newsrooms, cache_table):
    stranger = User.objects.create_user("stranger", password="pw-stranger-long-enough")
    _t, secret = api_token_create(user=stranger, name="t")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/api/v1/factchecks/match", {"text": "hello"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Client().post("/api/v1/factchecks/match", {"text": "x"}).status_code in (401, 403)


@pytest.fixture
def api_client(newsrooms) -> Client:
    _t, secret = api_token_create(user=newsrooms.lucia, name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_api_claim_create_takes_strings_and_a_date(api_client):
    def post(body):
        return api_client.post("/api/v1/factchecks/claims", body, content_type="application/json")

    created = post({"text": "Ink washes off", "appeared_at": "2026-10-01T08:30:00Z"})
    assert created.status_code == 201
    claim = Claim.objects.get(pk=created.json()["id"])
    assert claim.appeared_at.isoformat() == "2026-10-01T08:30:00+00:00"
    assert post({"text": "No date", "appeared_at": None}).status_code == 201
    for bad in (
        {"text": "x", "appeared_at": "notadate"},
        {"text": 123},
        {"text": True},
        {"text": ["a"]},
        {"text": "x", "claimant": 5},
        {"text": "x", "organisation": 3},
        [1, 2],
    ):
        assert post(bad).status_code == 400, bad
    assert not Claim.objects.filter(text="123").exists()


def test_api_claim_check_refuses_a_body_that_is_not_an_object(api_client, draft):
    url = f"/api/v1/factchecks/claims/{draft.claim_id}/check"
    for bad in ([1, 2], "abc", {"organisation": ["sur"]}):
        response = api_client.post(url, bad, content_type="application/json")
        assert response.status_code == 400, bad
    assert not ClaimCheck.objects.filter(organisation__slug="sur").exists()
    ok = api_client.post(url, {"organisation": "sur"}, content_type="application/json")
    assert ok.status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/factchecks", "/api/v1/factchecks/claims"])
def test_api_absurd_limits_and_offsets_are_bounded(api_client, draft, url):
    huge = 10**20
    for query in (f"?limit={huge}", f"?offset={huge}", f"?limit={huge}&offset={huge}"):
        response = api_client.get(url + query)
        assert response.status_code == 200, query
    assert len(api_client.get(f"/api/v1/factchecks/claims?limit={huge}").json()["results"]) == 1
