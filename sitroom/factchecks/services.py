"""Every write to claims, checks, articles, comments and the matching index."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sitroom.accounts.models import Organisation, Role
from sitroom.audit.services import audit_record, snapshot
from sitroom.factchecks import conf
from sitroom.factchecks.index import apply_article, index_writer
from sitroom.factchecks.models import (
    Article,
    ArticleAuthor,
    ArticleInvitation,
    ArticleStatus,
    ArticleTranslation,
    Claim,
    ClaimCheck,
    ClaimLshKey,
    ClaimSource,
    ClaimStatus,
    Comment,
    EvidenceLink,
    Rating,
    SourceKind,
)
from sitroom.factchecks.selectors import (
    NEWSROOM_KINDS,
    article_owner_id,
    can_approve,
    is_coauthor_member,
    newsroom_memberships,
    users_mentionable,
)
from sitroom.lib import fingerprint
from sitroom.nlp.matching import IndexLockedError

log = logging.getLogger(__name__)

RESERVED_SLUGS = {"claims", "articles", "import", "claimreview-json", "feed-atom", "new"}
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


# --- claims ---------------------------------------------------------------------------------


def _fingerprint_claim(claim: Claim) -> None:
    claim.exact_key = fingerprint.exact_key(claim.text)[:32]
    signature = fingerprint.minhash(claim.text)
    claim.signature = fingerprint.signature_to_bytes(signature)
    claim.save(update_fields=["exact_key", "signature"])
    claim.lsh_keys.all().delete()
    ClaimLshKey.objects.bulk_create(
        ClaimLshKey(claim=claim, key=key) for key in fingerprint.lsh_keys(signature)
    )


@transaction.atomic
def claim_create(
    *,
    text: str,
    language: str = "",
    claimant: str = "",
    appeared_in: str = "",
    appearance_url: str = "",
    appeared_at: dt.datetime | None = None,
    organisation: Organisation | None = None,
    by: User | None = None,
    sources: Sequence[tuple[str, str, str]] = (),
) -> Claim:
    """Add a claim to the shared queue. ``sources``: (kind, object id, url) triples."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("A claim needs its text."))
    claim = Claim.objects.create(
        text=text,
        language=(language or "").strip().lower()[:12],
        claimant=claimant.strip()[:200],
        appeared_in=appeared_in.strip()[:200],
        appearance_url=appearance_url.strip(),
        appeared_at=appeared_at,
        organisation=organisation,
        created_by=by,
    )
    _fingerprint_claim(claim)
    for kind, object_id, url in sources:
        if kind not in SourceKind.values:
            raise ValidationError(_("Unknown source kind: %(kind)s") % {"kind": kind})
        ClaimSource.objects.create(claim=claim, kind=kind, object_id=str(object_id), url=url)
    audit_record(
        action="claim.create",
        obj=claim,
        organisation=organisation,
        after={"text": text[:200], "language": claim.language, "sources": list(sources)},
        actor_user=by,
    )
    return claim


def _first_text(obj: Any, names: Iterable[str]) -> str:
    for name in names:
        value = getattr(obj, name, None)
        if callable(value):
            try:
                value = value()
            except TypeError:
                continue
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


@transaction.atomic
def claim_create_from_case(*, case: Any, by: User | None) -> Claim:
    """Hand a case whose outcome is "fact-check needed" to the shared queue.

    Idempotent: the same case handed over twice gives the same claim. Reads the case by duck
    typing (``claim_text``/``summary``/``text``/``description``/``title``, ``language``) so
    this app does not import the cases app.
    """
    existing = (
        Claim.objects.filter(sources__kind=SourceKind.CASE, sources__object_id=str(case.pk))
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    text = _first_text(case, ("claim_text", "summary", "text", "description", "title")) or str(case)
    url = ""
    try:
        url = settings.SITE_URL + reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        url = ""
    return claim_create(
        text=text,
        language=_first_text(case, ("language", "lang")),
        organisation=getattr(case, "organisation", None)
        if isinstance(getattr(case, "organisation", None), Organisation)
        else None,
        by=by,
        sources=[(SourceKind.CASE, str(case.pk), url)],
    )


@transaction.atomic
def claim_source_add(*, claim: Claim, kind: str, object_id: str = "", url: str = "") -> ClaimSource:
    if kind not in SourceKind.values:
        raise ValidationError(_("Unknown source kind: %(kind)s") % {"kind": kind})
    source, created = ClaimSource.objects.get_or_create(
        claim=claim, kind=kind, object_id=str(object_id), url=url
    )
    if created:
        audit_record(
            action="claim.source_add", obj=claim, after={"kind": kind, "id": object_id, "url": url}
        )
    return source


@transaction.atomic
def claim_check_start(
    *, claim: Claim, organisation: Organisation, user: User
) -> tuple[ClaimCheck, list[ClaimCheck]]:
    """Mark "we are checking this". Returns the check and the other newsrooms already on it.

    A second newsroom may still join (as a future co-author); the caller warns about the others.
    """
    if not newsroom_memberships(user).filter(organisation=organisation).exists():
        raise ValidationError(_("You can only check claims for your own newsroom."))
    if claim.status in (ClaimStatus.MERGED, ClaimStatus.DISMISSED):
        raise ValidationError(_("This claim is closed."))
    others = list(
        claim.checks.exclude(organisation=organisation).select_related("organisation", "user")
    )
    check, created = ClaimCheck.objects.get_or_create(
        claim=claim, organisation=organisation, defaults={"user": user}
    )
    if created:
        if claim.status == ClaimStatus.OPEN:
            claim.status = ClaimStatus.CHECKING
            claim.save(update_fields=["status"])
        audit_record(
            action="claim.check_start",
            obj=claim,
            organisation=organisation,
            after={
                "organisation": organisation.slug,
                "others": [c.organisation.slug for c in others],
            },
            actor_user=user,
        )
    return check, others


@transaction.atomic
def claim_check_stop(*, check: ClaimCheck, by: User) -> None:
    claim = check.claim
    audit_record(
        action="claim.check_stop",
        obj=claim,
        organisation=check.organisation,
        before={"organisation": check.organisation.slug},
        actor_user=by,
    )
    check.delete()
    if claim.status == ClaimStatus.CHECKING and not claim.checks.exists():
        claim.status = ClaimStatus.OPEN
        claim.save(update_fields=["status"])


@transaction.atomic
def claim_merge(*, claim: Claim, into: Claim, by: User) -> Claim:
    """Merge a duplicate into another claim: sources, checks, comments and articles move over."""
    if claim.pk == into.pk:
        raise ValidationError(_("A claim cannot be merged into itself."))
    # Re-read both under a lock: another fact-checker may have merged either a moment ago (a
    # stale page), and merging a merged claim again would move its articles a second time.
    fresh = {c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=[claim.pk, into.pk])}
    claim.status, into.status = fresh[claim.pk].status, fresh[into.pk].status
    if claim.status == ClaimStatus.MERGED:
        raise ValidationError(
            _("This claim has already been merged into claim %(into)s.")
            % {"into": fresh[claim.pk].merged_into_id}
        )
    if into.status == ClaimStatus.MERGED:
        raise ValidationError(_("That claim was itself merged; merge into the surviving claim."))
    for source in claim.sources.all():
        if not into.sources.filter(
            kind=source.kind, object_id=source.object_id, url=source.url
        ).exists():
            source.claim = into
            source.save(update_fields=["claim"])
    for check in claim.checks.all():
        if into.checks.filter(organisation=check.organisation).exists():
            check.delete()
        else:
            check.claim = into
            check.save(update_fields=["claim"])
    Comment.objects.filter(claim=claim).update(claim=into)
    Article.objects.filter(claim=claim).update(claim=into)
    Claim.objects.filter(merged_into=claim).update(merged_into=into)
    before = {"status": claim.status}
    claim.status = ClaimStatus.MERGED
    claim.merged_into = into
    claim.save(update_fields=["status", "merged_into"])
    if into.status == ClaimStatus.OPEN and into.checks.exists():
        into.status = ClaimStatus.CHECKING
        into.save(update_fields=["status"])
    audit_record(
        action="claim.merge",
        obj=claim,
        before=before,
        after={"status": claim.status, "merged_into": into.pk},
        actor_user=by,
    )
    # Published articles moved to another claim: their indexed claim text changed.
    for article_id in into.articles.filter(status=ArticleStatus.PUBLISHED).values_list(
        "pk", flat=True
    ):
        _schedule_index_update(article_id)
    return into


# --- comments and mentions ------------------------------------------------------------------


def _notify(user: User, *, subject: str, body: str, url: str) -> None:
    """In-app notification via the cases app when it offers one, else an email."""
    notify: Any = None
    try:
        from sitroom.cases import services as cases_services

        notify = getattr(cases_services, "notification_create", None)
    except ImportError:
        notify = None
    if notify is not None:
        try:
            notify(user=user, message=f"{subject}: {body}"[:300], url=url)
            return
        except TypeError:
            log.warning("cases.services.notification_create has another signature; emailing")
    if user.email:
        from sitroom.core.tasks import email_send

        email = user.email
        transaction.on_commit(
            lambda: email_send.enqueue(to=[email], subject=subject, body=f"{body}\n\n{url}\n")
        )


@transaction.atomic
def comment_add(
    *,
    claim: Claim,
    author: User,
    organisation: Organisation | None,
    body: str,
    article: Article | None = None,
) -> Comment:
    """A comment on a claim (or an article); @username mentions notify those people."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write a comment first."))
    comment = Comment.objects.create(
        claim=claim, article=article, author=author, organisation=organisation, body=body
    )
    names = {m.group(1).rstrip(".").lower() for m in _MENTION.finditer(body)}
    mentioned = [
        u for u in users_mentionable() if u.username.lower() in names and u.pk != author.pk
    ]
    if mentioned:
        comment.mentions.set(mentioned)
    audit_record(
        action="claim.comment",
        obj=claim,
        organisation=organisation,
        after={"comment": comment.pk, "mentions": [u.username for u in mentioned]},
        actor_user=author,
    )
    url = settings.SITE_URL + reverse("factchecks:claim_detail", args=[claim.pk])
    for user in mentioned:
        _notify(
            user,
            subject=_("%(user)s mentioned you on a claim") % {"user": author.get_username()},
            body=_("%(user)s wrote: %(body)s") % {"user": author.get_username(), "body": body},
            url=url,
        )
    return comment


# --- articles -------------------------------------------------------------------------------


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    # ASCII only: the public URL pattern is <slug:...>. Titles in Arabic script fall back.
    base = slugify(title)[:80].strip("-")
    if not base or base in RESERVED_SLUGS:
        base = "fact-check" if not base else f"{base}-fact-check"
    slug = base
    n = 2
    taken = Article.objects.all()
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _set_evidence(article: Article, evidence: Sequence[tuple[str, str]] | None) -> None:
    if evidence is None:
        return
    article.evidence.all().delete()
    EvidenceLink.objects.bulk_create(
        EvidenceLink(article=article, url=url, title=title[:300]) for url, title in evidence if url
    )


def _article_state(article: Article) -> dict[str, Any]:
    return snapshot(
        article,
        ["title", "slug", "language", "rating_id", "verdict", "summary", "status", "editor_id"],
    )


# What an approval vouches for: a change to any of these needs approving again.
_APPROVED_CONTENT = ["title", "language", "rating_id", "verdict", "summary", "body"]


def _approved_content(article: Article) -> dict[str, Any]:
    return {
        **snapshot(article, _APPROVED_CONTENT),
        "evidence": [list(e) for e in article.evidence.values_list("url", "title")],
    }


def _audit_article(
    *,
    action: str,
    article: Article,
    by: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One event in the audit log of each newsroom that writes the article."""
    organisation_ids: list[int | None] = list(
        article.authors.values_list("organisation_id", flat=True)
    )
    for organisation_id in organisation_ids or [None]:
        audit_record(
            action=action,
            obj=article,
            organisation=organisation_id,
            before=before,
            after=after,
            actor_user=by,
        )


def _lock(article: Article) -> None:
    """Re-read the article's workflow state under a row lock, so a decision is taken on the
    current state (an approval or publication from another tab a moment ago), not a stale copy."""
    fresh = Article.objects.select_for_update().get(pk=article.pk)
    for name in ("status", "approved_by_id", "approved_at", "published_at"):
        setattr(article, name, getattr(fresh, name))


def _check_editor(editor: User | None) -> None:
    if editor is not None and not users_mentionable().filter(pk=editor.pk).exists():
        raise ValidationError(
            _("The editor must be a fact-checker or administrator of a newsroom.")
        )


@transaction.atomic
def article_create(
    *,
    claim: Claim,
    organisation: Organisation,
    by: User | None,
    title: str,
    language: str,
    rating: Rating,
    summary: str = "",
    body: str = "",
    verdict: str = "",
    evidence: Sequence[tuple[str, str]] | None = None,
    editor: User | None = None,
) -> Article:
    """A draft fact-check of ``claim`` by ``organisation`` (which starts checking it)."""
    if claim.status == ClaimStatus.MERGED:
        raise ValidationError(_("This claim was merged; write about the surviving claim."))
    if by is not None and editor is not None and editor.pk == by.pk:
        raise ValidationError(_("You cannot be the editor of your own article."))
    _check_editor(editor)
    now = timezone.now()
    article = Article.objects.create(
        claim=claim,
        title=title.strip(),
        slug=_unique_slug(title),
        language=language.strip().lower(),
        rating=rating,
        verdict=verdict.strip(),
        summary=summary.strip(),
        body=body.strip(),
        created_by=by,
        editor=editor,
        created_at=now,
        updated_at=now,
    )
    ArticleAuthor.objects.create(article=article, organisation=organisation)
    _set_evidence(article, evidence)
    if by is not None and newsroom_memberships(by).filter(organisation=organisation).exists():
        claim_check_start(claim=claim, organisation=organisation, user=by)
    audit_record(
        action="article.create",
        obj=article,
        organisation=organisation,
        after=_article_state(article),
        actor_user=by,
    )
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    by: User | None,
    title: str,
    language: str,
    rating: Rating,
    summary: str,
    body: str,
    verdict: str = "",
    evidence: Sequence[tuple[str, str]] | None = None,
    editor: User | None = None,
) -> Article:
    """Edit a draft, or an article in review or approved; a published one is unpublished first.

    An approved article whose content changes goes back to review: the approval was for the
    text the editor read. Only the newsroom that started the article designates its editor
    (who may approve it), and nobody designates themselves.
    """
    _lock(article)
    if article.is_published:
        raise ValidationError(
            _(
                "This fact-check is published. Unpublish it to edit it; it then needs "
                "approving again before it is published."
            )
        )
    if by is not None and editor is not None and editor.pk == article.created_by_id:
        raise ValidationError(_("The author cannot be the article's editor."))
    if (editor.pk if editor else None) != article.editor_id:
        if by is not None:
            owner_id = article_owner_id(article)
            if (
                owner_id is None
                or not newsroom_memberships(by).filter(organisation_id=owner_id).exists()
            ):
                raise ValidationError(
                    _("Only the newsroom that started this article can choose its editor.")
                )
            if editor is not None and editor.pk == by.pk:
                raise ValidationError(_("You cannot designate yourself as the editor."))
        _check_editor(editor)
    before = _article_state(article)
    content_before = _approved_content(article)
    article.title = title.strip()
    article.language = language.strip().lower()
    article.rating = rating
    article.summary = summary.strip()
    article.body = body.strip()
    article.verdict = verdict.strip()
    article.editor = editor
    article.updated_at = timezone.now()
    _set_evidence(article, evidence)
    back_to_review = (
        article.status == ArticleStatus.APPROVED and _approved_content(article) != content_before
    )
    if back_to_review:
        article.status = ArticleStatus.IN_REVIEW
        article.approved_by = None
        article.approved_at = None
    article.save()
    _audit_article(
        action="article.update",
        article=article,
        before=before,
        after=_article_state(article),
        by=by,
    )
    if back_to_review:
        _ask_editor(article, by=by)
    return article


@transaction.atomic
def article_invite(*, article: Article, organisation: Organisation, by: User) -> ArticleInvitation:
    """Co-publication, first step: a newsroom writing the article invites another to join it."""
    if not is_coauthor_member(by, article):
        raise ValidationError(_("Only a newsroom writing this article can invite another."))
    if organisation.kind not in NEWSROOM_KINDS:
        raise ValidationError(_("Only newsrooms can co-author a fact-check."))
    if article.authors.filter(organisation=organisation).exists():
        raise ValidationError(_("That newsroom already co-authors this article."))
    invitation, created = ArticleInvitation.objects.get_or_create(
        article=article, organisation=organisation, defaults={"invited_by": by}
    )
    if created:
        _audit_article(
            action="article.invite",
            article=article,
            after={"organisation": organisation.slug},
            by=by,
        )
        _notify_invited(article, organisation, by)
    return invitation


def _notify_invited(article: Article, organisation: Organisation, by: User) -> None:
    """The invited newsroom's fact-checkers and admins hear of it (in the app, else email)."""
    try:
        url = reverse("factchecks:claim_detail", args=[article.claim_id])
    except NoReverseMatch:
        url = ""
    inviters = ", ".join(o.name for o in article.organisations.all())
    people = User.objects.filter(
        memberships__organisation=organisation,
        memberships__role__in=[Role.FACT_CHECKER, Role.ADMIN],
        is_active=True,
    ).distinct()
    for person in people:
        if person.pk == by.pk:
            continue
        _notify(
            person,
            subject=_("Invitation to co-author a fact-check"),
            body=_("%(inviters)s invite %(org)s to co-author “%(title)s”.")
            % {"inviters": inviters, "org": organisation.name, "title": article.title[:120]},
            url=url,
        )


@transaction.atomic
def article_coauthor_add(*, article: Article, organisation: Organisation, by: User) -> bool:
    """Co-publication: a member of ``organisation`` adds it to the article, which needs an
    invitation from a newsroom writing the article unless ``by`` is in one of those too.

    Returns False if the newsroom already co-authored the article.
    """
    if not newsroom_memberships(by).filter(organisation=organisation).exists():
        raise ValidationError(_("You can only add your own newsroom."))
    invitation = (
        ArticleInvitation.objects.select_for_update()
        .filter(article=article, organisation=organisation)
        .first()
    )
    if invitation is None and not is_coauthor_member(by, article):
        raise ValidationError(
            _("Your newsroom needs an invitation from a newsroom writing this article.")
        )
    _author, created = ArticleAuthor.objects.get_or_create(
        article=article, organisation=organisation
    )
    if invitation is not None:
        invitation.delete()
    if created:
        audit_record(
            action="article.coauthor_add",
            obj=article,
            organisation=organisation,
            after={
                "organisation": organisation.slug,
                "invited_by": invitation.invited_by_id if invitation else None,
            },
            actor_user=by,
        )
        claim_check_start(claim=article.claim, organisation=organisation, user=by)
        if article.is_published:
            _schedule_index_update(article.pk)
    return created


@transaction.atomic
def article_translation_save(
    *,
    article: Article,
    language: str,
    title: str,
    claim_text: str = "",
    summary: str = "",
    body: str = "",
    by: User | None,
) -> ArticleTranslation:
    language = language.strip().lower()
    if not language or not title.strip():
        raise ValidationError(_("A translation needs a language and a title."))
    if language == article.language:
        raise ValidationError(_("That is the article's own language."))
    _lock(article)
    # A translation is published under the newsrooms' names like the article itself: on a
    # published article only someone who may approve it saves one (as their approval), and
    # on an approved one a translation sends the article back to review.
    if article.is_published and by is not None and not can_approve(by, article):
        raise ValidationError(
            _(
                "This fact-check is published: its translations are saved by its editor or an "
                "administrator of the newsroom that started it. Ask them, or unpublish it first."
            )
        )
    back_to_review = article.status == ArticleStatus.APPROVED
    translation, created = ArticleTranslation.objects.update_or_create(
        article=article,
        language=language,
        defaults={
            "title": title.strip(),
            "claim_text": claim_text.strip(),
            "summary": summary.strip(),
            "body": body.strip(),
            "updated_at": timezone.now(),
        },
    )
    article.updated_at = timezone.now()
    fields = ["updated_at"]
    if back_to_review:
        article.status = ArticleStatus.IN_REVIEW
        article.approved_by = None
        article.approved_at = None
        fields += ["status", "approved_by", "approved_at"]
    article.save(update_fields=fields)
    _audit_article(
        action="article.translation_save",
        article=article,
        after={"language": language, "created": created, "back_to_review": back_to_review},
        by=by,
    )
    if back_to_review:
        _ask_editor(article, by=by)
    if article.is_published:
        _schedule_index_update(article.pk)
    return translation


def _transition(article: Article, *, to: str, allowed_from: Iterable[str], by: User | None) -> None:
    if article.status not in allowed_from:
        raise ValidationError(
            _("This article is %(status)s; it cannot go to %(to)s now.")
            % {
                "status": ArticleStatus(article.status).label,
                "to": ArticleStatus(to).label,
            }
        )
    article.status = to
    article.updated_at = timezone.now()


def _ask_editor(article: Article, *, by: User | None) -> None:
    if article.editor is not None and (by is None or article.editor_id != by.pk):
        _notify(
            article.editor,
            subject=_("A fact-check awaits your approval"),
            body=article.title,
            url=settings.SITE_URL + reverse("factchecks:article_detail", args=[article.pk]),
        )


@transaction.atomic
def article_submit(*, article: Article, by: User) -> Article:
    """Draft → in review: the editor is asked to approve."""
    _lock(article)
    before = _article_state(article)
    _transition(article, to=ArticleStatus.IN_REVIEW, allowed_from=[ArticleStatus.DRAFT], by=by)
    article.save(update_fields=["status", "updated_at"])
    _audit_article(
        action="article.submit",
        article=article,
        before=before,
        after=_article_state(article),
        by=by,
    )
    _ask_editor(article, by=by)
    return article


@transaction.atomic
def article_request_changes(*, article: Article, by: User, note: str = "") -> Article:
    """In review (or approved) → draft, with an optional note left as a comment."""
    if not can_approve(by, article):
        raise ValidationError(_("Only an editor of this article can send it back."))
    _lock(article)
    before = _article_state(article)
    _transition(
        article,
        to=ArticleStatus.DRAFT,
        allowed_from=[ArticleStatus.IN_REVIEW, ArticleStatus.APPROVED],
        by=by,
    )
    article.approved_by = None
    article.approved_at = None
    article.save(update_fields=["status", "updated_at", "approved_by", "approved_at"])
    _audit_article(
        action="article.request_changes",
        article=article,
        before=before,
        after={**_article_state(article), "note": note[:500]},
        by=by,
    )
    if note.strip():
        comment_add(claim=article.claim, article=article, author=by, organisation=None, body=note)
    return article


@transaction.atomic
def article_approve(*, article: Article, by: User, version: str | None = None) -> Article:
    """In review → approved, by an admin of the newsroom that started the article or the
    designated editor. The author can never approve their own article.

    ``version`` is the article's ``updated_at`` (ISO 8601) as the approver's page showed it:
    if the text changed since, the approval is refused, so nobody approves words they did
    not read.
    """
    if by.pk == article.created_by_id:
        raise ValidationError(_("You cannot approve your own article; ask your editor."))
    if not can_approve(by, article):
        raise ValidationError(
            _(
                "Only an administrator of the newsroom that started this article or its "
                "designated editor can approve."
            )
        )
    _lock(article)
    if version is not None:
        current = Article.objects.filter(pk=article.pk).values_list("updated_at", flat=True).get()
        if version != current.isoformat():
            raise ValidationError(
                _("The article changed after you opened it. Read it again, then approve it.")
            )
    before = _article_state(article)
    _transition(article, to=ArticleStatus.APPROVED, allowed_from=[ArticleStatus.IN_REVIEW], by=by)
    article.approved_by = by
    article.approved_at = timezone.now()
    article.save(update_fields=["status", "updated_at", "approved_by", "approved_at"])
    _audit_article(
        action="article.approve",
        article=article,
        before=before,
        after={**_article_state(article), "approved_by": by.get_username()},
        by=by,
    )
    return article


@transaction.atomic
def article_publish(
    *, article: Article, by: User | None, published_at: dt.datetime | None = None
) -> Article:
    """Approved → published: on the public pages and feeds, and matchable within moments."""
    _lock(article)
    before = _article_state(article)
    _transition(article, to=ArticleStatus.PUBLISHED, allowed_from=[ArticleStatus.APPROVED], by=by)
    article.published_at = published_at or article.published_at or timezone.now()
    article.save(update_fields=["status", "updated_at", "published_at"])
    claim = article.claim
    if claim.status in (ClaimStatus.OPEN, ClaimStatus.CHECKING):
        claim.status = ClaimStatus.DONE
        claim.save(update_fields=["status"])
    _audit_article(
        action="article.publish",
        article=article,
        before=before,
        after=_article_state(article),
        by=by,
    )
    _schedule_index_update(article.pk)
    return article


@transaction.atomic
def article_unpublish(*, article: Article, by: User | None) -> Article:
    """Published → approved: off the public pages, feeds and the matching index."""
    _lock(article)
    before = _article_state(article)
    _transition(article, to=ArticleStatus.APPROVED, allowed_from=[ArticleStatus.PUBLISHED], by=by)
    article.save(update_fields=["status", "updated_at"])
    claim = article.claim
    if (
        claim.status == ClaimStatus.DONE
        and not claim.articles.filter(status=ArticleStatus.PUBLISHED).exists()
    ):
        claim.status = ClaimStatus.CHECKING if claim.checks.exists() else ClaimStatus.OPEN
        claim.save(update_fields=["status"])
    _audit_article(
        action="article.unpublish",
        article=article,
        before=before,
        after=_article_state(article),
        by=by,
    )
    _schedule_index_update(article.pk)
    return article


# --- the matching index ---------------------------------------------------------------------


def _schedule_index_update(article_id: int) -> None:
    """After commit: update the index here if the writer is free, and always enqueue the task.

    The in-process update makes a publication matchable at once; the durable task makes sure
    it happens even if this process dies or another process holds the writer (it is a no-op
    when the index already agrees with the database).
    """

    def run() -> None:
        try:
            factcheck_index_apply(article_id=article_id, wait_seconds=0)
        except IndexLockedError:
            log.info("fact-check index busy; the task will index article %s", article_id)
        except Exception:
            log.exception(
                "in-process indexing of article %s failed; the task will retry", article_id
            )
        from sitroom.factchecks.tasks import factcheck_index_update

        factcheck_index_update.enqueue(article_id)

    transaction.on_commit(run)


def factcheck_index_apply(*, article_id: int, wait_seconds: float | None = None) -> str:
    """Make the index agree with the database for one article (idempotent)."""
    article = (
        Article.objects.select_related("claim", "rating")
        .prefetch_related("translations")
        .filter(pk=article_id)
        .first()
    )
    wait = conf.index_lock_wait_seconds() if wait_seconds is None else wait_seconds
    with index_writer(wait_seconds=wait) as index:
        return apply_article(index, article, article_id)


def factchecks_reindex() -> tuple[int, int]:
    """Rebuild the index from the database: every published article in, everything else out.

    An index built with another embedder is emptied first and filled with this one's vectors.

    Returns (indexed articles, removed documents).
    """
    from sitroom.factchecks.index import article_documents, indexed_doc_ids

    articles = (
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .select_related("claim", "rating")
        .prefetch_related("translations")
    )
    with index_writer(wait_seconds=conf.index_lock_wait_seconds(), rebuilding=True) as index:
        docs = [doc for article in articles for doc in article_documents(article)]
        keep = {d.doc_id for d in docs}
        removed = 0
        for doc_id in indexed_doc_ids(index) - keep:
            removed += int(index.delete(doc_id))
        if docs:
            index.upsert_many(docs)
        return len({d.meta["article_id"] for d in docs}), removed
