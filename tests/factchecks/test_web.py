from __future__ import annotations

import pytest

from sitroom.factchecks.models import Article, Claim, ClaimStatus
from sitroom.factchecks.services import claim_create

pytestmark = pytest.mark.django_db


def test_new_claim_shows_possible_duplicate_and_merges(newsrooms, login):
    first = claim_create(text="Voting has been moved to Monday 12 October", by=newsrooms.kofi)
    client = login(newsrooms.lucia)
    response = client.post(
        "/factchecks/claims/",
        {
            "text": "voting has been MOVED to Monday, 12 October!!",
            "language": "en",
            "organisation": newsrooms.sur.pk,
        },
    )
    assert response.status_code == 302
    new = Claim.objects.exclude(pk=first.pk).get()
    page = client.get(response["Location"]).content.decode()
    assert "Possible duplicate of" in page and f"/factchecks/claims/{first.pk}/" in page
    merged = client.post(f"/factchecks/claims/{new.pk}/merge/", {"into": first.pk})
    assert merged["Location"] == f"/factchecks/claims/{first.pk}/"
    new.refresh_from_db()
    assert new.status == ClaimStatus.MERGED


def test_article_workflow_through_the_pages(newsrooms, login):
    n = newsrooms
    claim = claim_create(text="Ballots are pre-marked", by=n.kofi)
    author = login(n.kofi)
    response = author.post(
        f"/factchecks/claims/{claim.pk}/articles/new/",
        {
            "title": "Ballots are not pre-marked",
            "language": "en",
            "rating": n.false.pk,
            "summary": "Photo from 2015",
            "evidence": "https://archive.example/1 Original photo",
            "organisation": n.afrique.pk,
        },
    )
    article = Article.objects.get()
    assert response["Location"] == f"/factchecks/articles/{article.pk}/"
    assert article.evidence.get().title == "Original photo"
    author.post(f"/factchecks/articles/{article.pk}/submit/")
    author.post(f"/factchecks/articles/{article.pk}/approve/")  # refused: own article
    article.refresh_from_db()
    assert article.status == "in_review"
    editor = login(n.edna)
    editor.post(f"/factchecks/articles/{article.pk}/approve/")
    editor.post(f"/factchecks/articles/{article.pk}/publish/")
    article.refresh_from_db()
    assert article.status == "published"
    # Co-publication: Afrique invites Verifica Sur, and Lucia accepts from the claim's page.
    assert "Invite another newsroom" in author.get(f"/factchecks/articles/{article.pk}/").text
    author.post(f"/factchecks/articles/{article.pk}/invite/", {"organisation": n.sur.pk})
    assert "Invited, not joined yet: Verifica Sur" in (
        author.get(f"/factchecks/articles/{article.pk}/").text
    )
    other = login(n.lucia)
    claim_page = other.get(f"/factchecks/claims/{claim.pk}/").content.decode()
    assert "Your newsroom Verifica Sur is invited" in claim_page
    other.post(f"/factchecks/articles/{article.pk}/join/", {"organisation": n.sur.pk})
    assert set(article.organisations.values_list("slug", flat=True)) == {"afrique", "sur"}
    page = other.get(f"/factchecks/{article.slug}/").content.decode()
    assert "FactCheck Afrique" in page and "Verifica Sur" in page
    assert other.get(f"/factchecks/articles/{article.pk}/").status_code == 200
