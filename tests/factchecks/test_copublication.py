"""Co-publication needs an invitation; only the newsroom that started an article approves it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sitroom.accounts.models import Role
from sitroom.accounts.services import membership_grant
from sitroom.audit.models import AuditEvent
from sitroom.factchecks.models import Article, ArticleInvitation, ArticleStatus
from sitroom.factchecks.selectors import can_approve
from sitroom.factchecks.services import (
    article_approve,
    article_coauthor_add,
    article_create,
    article_invite,
    article_submit,
    article_update,
    claim_check_start,
    claim_create,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(newsrooms) -> Article:
    n = newsrooms
    claim = claim_create(text="Polling stations close at noon in Lima", by=n.kofi)
    return article_create(
        claim=claim,
        organisation=n.afrique,
        by=n.kofi,
        title="Secret draft title",
        language="en",
        rating=n.false,
        summary="SECRET DRAFT",
    )


def _fields(article: Article, **changes) -> dict:
    return {
        "title": article.title,
        "language": article.language,
        "rating": article.rating.pk,
        "verdict": article.verdict,
        "summary": article.summary,
        "body": article.body,
        "evidence": "",
        "editor": article.editor_id or "",
        **changes,
    }


def test_another_newsroom_cannot_take_over_a_draft(newsrooms, draft, login):
    """The probe: check the claim, join, name yourself editor, approve, publish."""
    n = newsrooms
    lucia = login(n.lucia)
    claim_page = lucia.get(f"/factchecks/claims/{draft.claim_id}/").content.decode()
    assert "Also being written at: FactCheck Afrique" in claim_page  # who, but not what
    assert "Secret draft title" not in claim_page and "SECRET DRAFT" not in claim_page
    lucia.post(f"/factchecks/claims/{draft.claim_id}/check/", {"organisation": n.sur.pk})
    join = lucia.post(f"/factchecks/articles/{draft.pk}/join/", {"organisation": n.sur.pk})
    assert join.status_code == 404
    assert lucia.get(f"/factchecks/articles/{draft.pk}/").status_code == 404
    lucia.post(f"/factchecks/articles/{draft.pk}/", _fields(draft, editor=n.lucia.pk))
    for action in ("submit", "approve", "publish"):
        lucia.post(f"/factchecks/articles/{draft.pk}/{action}/")
    draft.refresh_from_db()
    assert draft.status == ArticleStatus.DRAFT and draft.editor is None
    assert list(draft.organisations.all()) == [n.afrique]
    with pytest.raises(ValidationError, match="invitation"):
        article_coauthor_add(article=draft, organisation=n.sur, by=n.lucia)


def test_invited_newsroom_joins_but_cannot_name_the_editor_or_approve(newsrooms, draft):
    n = newsrooms
    marta = make_user("marta", org=n.sur, roles=(Role.ADMIN, Role.FACT_CHECKER))
    with pytest.raises(ValidationError, match="newsroom writing"):
        article_invite(article=draft, organisation=n.sur, by=n.lucia)
    article_invite(article=draft, organisation=n.sur, by=n.kofi)
    from sitroom.cases.models import Notification

    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"marta", "lucia"} <= told and "kofi" not in told  # the invited newsroom hears
    assert article_coauthor_add(article=draft, organisation=n.sur, by=n.lucia)
    assert not ArticleInvitation.objects.exists()  # accepted: used up
    assert {e.organisation_id for e in AuditEvent.objects.filter(action="article.invite")} == {
        n.afrique.pk
    }
    # A co-author edits, but the newsroom that started the article designates its editor.
    with pytest.raises(ValidationError, match="started this article"):
        article_update(
            article=draft,
            by=n.lucia,
            title=draft.title,
            language="en",
            rating=n.false,
            summary="",
            body="",
            editor=marta,
        )
    article_submit(article=draft, by=n.lucia)
    # An admin of a co-author newsroom is not an approver; the starting newsroom's admin is.
    assert not can_approve(marta, draft)
    with pytest.raises(ValidationError):
        article_approve(article=draft, by=marta)
    article_approve(article=draft, by=n.edna)
    assert draft.status == ArticleStatus.APPROVED


def test_nobody_designates_themselves_editor(newsrooms, draft):
    n = newsrooms
    with pytest.raises(ValidationError, match="yourself"):
        article_update(
            article=draft,
            by=n.edna,
            title=draft.title,
            language="en",
            rating=n.false,
            summary="",
            body="",
            editor=n.edna,
        )
    outsider = make_user("outsider-reviewer")
    with pytest.raises(ValidationError, match="fact-checker or administrator"):
        article_update(
            article=draft,
            by=n.edna,
            title=draft.title,
            language="en",
            rating=n.false,
            summary="",
            body="",
            editor=outsider,
        )
    draft.refresh_from_db()
    assert draft.editor is None


def test_a_member_of_both_newsrooms_adds_the_other_without_invitation(newsrooms, draft):
    n = newsrooms
    both = make_user("both", org=n.afrique, roles=(Role.FACT_CHECKER,))
    membership_grant(user=both, organisation=n.sur, role=Role.FACT_CHECKER)
    assert article_coauthor_add(article=draft, organisation=n.sur, by=both)
    with pytest.raises(ValidationError, match="own newsroom"):
        article_coauthor_add(article=draft, organisation=n.sur, by=n.kofi)


def test_claim_check_alone_is_no_invitation(newsrooms, draft):
    n = newsrooms
    claim_check_start(claim=draft.claim, organisation=n.sur, user=n.lucia)
    with pytest.raises(ValidationError, match="invitation"):
        article_coauthor_add(article=draft, organisation=n.sur, by=n.lucia)


def test_translations_are_approved_like_the_article(newsrooms, draft):
    from sitroom.factchecks.services import article_publish, article_translation_save

    n = newsrooms
    article_submit(article=draft, by=n.kofi)
    article_approve(article=draft, by=n.edna)
    article_translation_save(article=draft, language="fr", title="Brouillon", by=n.kofi)
    draft.refresh_from_db()
    assert draft.status == ArticleStatus.IN_REVIEW and draft.approved_by is None
    article_approve(article=draft, by=n.edna)
    article_publish(article=draft, by=n.kofi)
    with pytest.raises(ValidationError, match="published"):
        article_translation_save(article=draft, language="fr", title="Tampered", by=n.kofi)
    article_translation_save(article=draft, language="fr", title="Corrigé", by=n.edna)
    assert draft.translations.get().title == "Corrigé"


def test_an_approval_from_a_page_opened_before_a_change_is_refused(newsrooms, draft):
    n = newsrooms
    article_submit(article=draft, by=n.kofi)
    draft.refresh_from_db()
    seen = draft.updated_at.isoformat()
    article_update(
        article=draft, by=n.kofi, title=draft.title, language="en", rating=n.false,
        summary="CHANGED AFTER THE EDITOR OPENED IT", body="",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="changed after you opened it"):
        article_approve(article=draft, by=n.edna, version=seen)
    draft.refresh_from_db()
    assert draft.status == ArticleStatus.IN_REVIEW
    article_approve(article=draft, by=n.edna, version=draft.updated_at.isoformat())
