from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from sitroom.audit.models import AuditEvent
from sitroom.factchecks.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimCheck,
    ClaimStatus,
    Comment,
)
from sitroom.factchecks.selectors import can_approve, claim_possible_duplicates
from sitroom.factchecks.services import (
    article_approve,
    article_coauthor_add,
    article_create,
    article_invite,
    article_publish,
    article_submit,
    article_update,
    claim_check_start,
    claim_create,
    claim_create_from_case,
    claim_merge,
    comment_add,
)

pytestmark = pytest.mark.django_db


def test_claim_check_draft_review_approve_publish(newsrooms):
    n = newsrooms
    claim = claim_create(text="Voting moved to Monday", language="en", by=n.kofi)
    check, others = claim_check_start(claim=claim, organisation=n.afrique, user=n.kofi)
    assert others == [] and check.user == n.kofi
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CHECKING

    article = article_create(
        claim=claim,
        organisation=n.afrique,
        by=n.kofi,
        title="Voting was not moved",
        language="en",
        rating=n.false,
    )
    with pytest.raises(ValidationError):  # must be approved first
        article_publish(article=article, by=n.kofi)
    article_submit(article=article, by=n.kofi)
    assert article.status == ArticleStatus.IN_REVIEW

    with pytest.raises(ValidationError, match="own article"):
        article_approve(article=article, by=n.kofi)
    with pytest.raises(ValidationError):  # a fact-checker of another newsroom is no editor
        article_approve(article=article, by=n.lucia)
    article_approve(article=article, by=n.edna)
    article_publish(article=article, by=n.kofi)
    article.refresh_from_db()
    claim.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at
    assert article.approved_by == n.edna
    assert claim.status == ClaimStatus.DONE
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"claim.create", "claim.check_start", "article.approve", "article.publish"} <= actions


def test_admin_who_authored_cannot_self_approve_but_designated_editor_can(newsrooms):
    n = newsrooms
    claim = claim_create(text="Ballots are pre-marked", by=n.edna)
    article = article_create(
        claim=claim,
        organisation=n.afrique,
        by=n.edna,
        title="Ballots are not pre-marked",
        language="en",
        rating=n.false,
        editor=n.lucia,
    )
    article_submit(article=article, by=n.edna)
    assert not can_approve(n.edna, article)
    with pytest.raises(ValidationError):
        article_approve(article=article, by=n.edna)
    assert can_approve(n.lucia, article)  # designated editor, even from another newsroom
    article_approve(article=article, by=n.lucia)
    assert article.status == ArticleStatus.APPROVED


def test_second_newsroom_is_warned_but_may_join(newsrooms):
    n = newsrooms
    claim = claim_create(text="Polls close at noon", by=n.kofi)
    claim_check_start(claim=claim, organisation=n.afrique, user=n.kofi)
    _check, others = claim_check_start(claim=claim, organisation=n.sur, user=n.lucia)
    assert [c.organisation for c in others] == [n.afrique]
    assert ClaimCheck.objects.filter(claim=claim).count() == 2
    with pytest.raises(ValidationError):  # not their newsroom
        claim_check_start(claim=claim, organisation=n.afrique, user=n.lucia)


def test_near_duplicate_claims_are_found_and_merged(newsrooms):
    n = newsrooms
    first = claim_create(text="The election has been postponed to December 15!", by=n.kofi)
    second = claim_create(
        text="BREAKING: the election has been postponed to December 15", by=n.lucia
    )
    other = claim_create(text="Voters need a passport this year", by=n.lucia)
    found = [c for c, _sim in claim_possible_duplicates(second)]
    assert first in found and other not in found
    claim_check_start(claim=second, organisation=n.sur, user=n.lucia)
    comment_add(claim=second, author=n.lucia, organisation=n.sur, body="seen on WhatsApp")
    claim_merge(claim=second, into=first, by=n.kofi)
    second.refresh_from_db()
    assert second.status == ClaimStatus.MERGED and second.merged_into == first
    assert first.checks.filter(organisation=n.sur).exists()
    assert Comment.objects.filter(claim=first).count() == 1
    assert claim_possible_duplicates(first) == []  # merged claims are not offered again


def test_mentions_notify(newsrooms, django_capture_on_commit_callbacks):
    n = newsrooms
    n.kofi.email = "kofi@example.org"
    n.kofi.save()
    claim = claim_create(text="Ink washes off with vinegar", by=n.lucia)
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_add(
            claim=claim,
            author=n.lucia,
            organisation=n.sur,
            body="@kofi have you seen this? @nobody",
        )
    assert list(comment.mentions.all()) == [n.kofi]
    try:
        from sitroom.cases.models import Notification  # type: ignore[attr-defined]
    except ImportError:
        assert len(mail.outbox) == 1 and "lucia" in mail.outbox[0].subject
    else:
        assert Notification.objects.filter(user=n.kofi).exists()


def test_claim_from_case_is_idempotent(newsrooms):
    class FakeCase:
        pk = 4242
        claim_text = "The commission will count votes in secret"
        language = "en"

    first = claim_create_from_case(case=FakeCase(), by=None)
    again = claim_create_from_case(case=FakeCase(), by=None)
    assert first == again
    assert first.text == FakeCase.claim_text
    assert first.sources.get().kind == "case"


def _approved(n):
    claim = claim_create(text="Counting stops at midnight", by=n.kofi)
    article = article_create(
        claim=claim,
        organisation=n.afrique,
        by=n.kofi,
        title="Counting does not stop at midnight",
        language="en",
        rating=n.false,
        summary="The law says so.",
    )
    article_submit(article=article, by=n.kofi)
    return article_approve(article=article, by=n.edna)


def _edit(article, by, **changes):
    fields = {
        "title": article.title,
        "language": article.language,
        "rating": article.rating,
        "summary": article.summary,
        "body": article.body,
        "verdict": article.verdict,
        "editor": article.editor,
        **changes,
    }
    return article_update(article=article, by=by, **fields)


def test_an_edit_after_approval_needs_approving_again(newsrooms):
    n = newsrooms
    article = _approved(n)
    _edit(article, n.kofi)  # nothing changed: still approved
    assert article.status == ArticleStatus.APPROVED
    _edit(article, n.kofi, rating=n.true, summary="Changed after approval")
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW and article.approved_by is None
    with pytest.raises(ValidationError):
        article_publish(article=article, by=n.kofi)
    article_approve(article=article, by=n.edna)
    article_publish(article=article, by=n.kofi)
    with pytest.raises(ValidationError, match="Unpublish it to edit it"):
        _edit(article, n.kofi, summary="Quietly changed on the public page")
    article.refresh_from_db()
    assert article.summary == "Changed after approval" and article.is_published


def test_an_edit_of_a_stale_copy_does_not_undo_a_publication(newsrooms):
    n = newsrooms
    article = _approved(n)
    stale = Article.objects.get(pk=article.pk)
    article_publish(article=article, by=n.kofi)
    with pytest.raises(ValidationError, match="published"):
        _edit(stale, n.kofi, summary="From a page opened before the publication")
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_a_merged_claim_cannot_be_merged_again(newsrooms):
    n = newsrooms
    first = claim_create(text="The election is postponed", by=n.kofi)
    second = claim_create(text="The election is postponed!!", by=n.kofi)
    third = claim_create(text="The election is postponed again", by=n.kofi)
    stale = Claim.objects.get(pk=second.pk)
    claim_merge(claim=second, into=first, by=n.kofi)
    with pytest.raises(ValidationError, match="already been merged"):
        claim_merge(claim=stale, into=third, by=n.kofi)
    second.refresh_from_db()
    assert second.merged_into == first


def test_workflow_events_are_in_every_authoring_newsrooms_audit_log(newsrooms):
    n = newsrooms
    article = _approved(n)
    article_invite(article=article, organisation=n.sur, by=n.kofi)
    article_coauthor_add(article=article, organisation=n.sur, by=n.lucia)
    _edit(article, n.lucia, summary="Co-written")
    article_approve(article=article, by=n.edna)
    article_publish(article=article, by=n.lucia)
    logged = {
        (e.action, e.organisation_id)
        for e in AuditEvent.objects.filter(object_id=str(article.pk), action__startswith="article.")
    }
    assert {("article.submit", n.afrique.pk), ("article.approve", n.afrique.pk)} <= logged
    for action in ("article.update", "article.approve", "article.publish"):
        assert {(action, n.afrique.pk), (action, n.sur.pk)} <= logged, action
    assert not AuditEvent.objects.filter(
        object_id=str(article.pk), action__startswith="article.", organisation=None
    ).exists()
