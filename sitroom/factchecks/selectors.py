"""Reads of claims and fact-checks, and the matching seam other apps call.

Scoping: the shared claim queue and the article workspaces are for members with the role
fact-checker or admin in an organisation of kind fact-checker or media ("newsrooms"); anyone
else gets a 404. Article workspaces are further limited to the authoring newsrooms and the
designated editor; another newsroom sees only that a claim is being written about, and by whom,
until a newsroom writing the article invites it to co-author. Published articles are public.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from sitroom.accounts.models import Membership, Organisation, OrganisationKind, Role
from sitroom.accounts.selectors import AnyUser
from sitroom.factchecks import conf
from sitroom.factchecks.index import article_id_of, index_search_many
from sitroom.factchecks.models import (
    Article,
    ArticleAuthor,
    ArticleInvitation,
    ArticleStatus,
    ArticleTranslation,
    Claim,
    ClaimCheck,
    ClaimLshKey,
    ClaimStatus,
    Rating,
)
from sitroom.lib import fingerprint
from sitroom.nlp.matching import Match
from sitroom.nlp.matching.engine import FloatArray

NEWSROOM_KINDS = (OrganisationKind.FACT_CHECKER, OrganisationKind.MEDIA)
NEWSROOM_ROLES = (Role.FACT_CHECKER, Role.ADMIN)


# --- the matching seam ----------------------------------------------------------------------


@dataclass(frozen=True)
class FactCheckMatch:
    """A published fact-check that addresses the claim in a text."""

    article_id: int
    slug: str
    title: str
    rating_label: str
    normalised_rating: str
    url: str
    confidence: float  # calibrated P(this fact-check addresses the text's claim), 0..1
    reason: str
    organisations: tuple[str, ...] = ()
    published_at: str = ""
    language: str = ""


def factchecks_matching(
    text: str, *, language: str | None = None, limit: int = 3
) -> list[FactCheckMatch]:
    """Published fact-checks matching ``text``, most confident first.

    ``language``: the text's language if known; titles and rating labels are given in it when
    a translation exists. Only matches at or above ``conf.min_confidence()`` are returned.
    """
    return factchecks_matching_many([text], languages=[language], limit=limit)[0]


def factchecks_matching_many(
    texts: Sequence[str],
    *,
    languages: Sequence[str | None] | None = None,
    vectors: Sequence[FloatArray | None] | None = None,
    limit: int = 3,
) -> list[list[FactCheckMatch]]:
    """:func:`factchecks_matching` for several texts: one embedding call, one query for articles.

    ``vectors``: each text's query vector where the caller already has it
    (``embedder.encode_queries([sitroom.nlp.matching.query_input(text)])``), else None.
    """
    texts = list(texts)
    langs = list(languages) if languages is not None else [None] * len(texts)
    if len(langs) != len(texts):
        raise ValueError(f"{len(langs)} languages for {len(texts)} texts")
    out: list[list[FactCheckMatch]] = [[] for _ in texts]
    if limit < 1:
        return out
    wanted = [i for i, t in enumerate(texts) if t and t.strip()]
    if not wanted:
        return out
    given = list(vectors) if vectors is not None else None
    if given is not None and len(given) != len(texts):
        raise ValueError(f"{len(given)} vectors for {len(texts)} texts")
    found = index_search_many(
        [texts[i] for i in wanted],
        top=limit * 4,
        vectors=[given[i] for i in wanted] if given is not None else None,
    )
    threshold = conf.min_confidence()
    # Each article may be indexed once per language: ask for more and keep the best per article.
    best_per_text: list[dict[int, Match]] = []
    for matches in found:
        best: dict[int, Match] = {}
        for match in matches:
            article_id = article_id_of(match.doc_id)
            if article_id is None or match.score < threshold:
                continue
            if article_id not in best or match.score > best[article_id].score:
                best[article_id] = match
        best_per_text.append(best)
    # The database is the authority: an article unpublished a moment ago is not offered.
    # Only each text's best ``limit`` are read; a text that loses some of them to that rule
    # has its next ones read in a second round (ranked lists are best first).
    ranked = [sorted(best, key=lambda a: -best[a].score) for best in best_per_text]
    articles: dict[int, Article] = {}
    asked: set[int] = set()
    for round_limit in (limit, None):
        ids: set[int] = set()
        for order in ranked:
            if round_limit is None and sum(a in articles for a in order) >= limit:
                continue  # enough of its candidates are published
            ids.update(a for a in order[:round_limit] if a not in asked)
        if not ids:
            break
        asked |= ids
        articles.update(
            (a.pk, a)
            for a in Article.objects.filter(
                pk__in=ids, status=ArticleStatus.PUBLISHED
            ).select_related("rating", "claim")
        )
    # Translations and newsrooms in one query each (prefetch_related clones a queryset per
    # article, which cost more than the rest of matching a batch).
    extra = _ArticleExtras(
        translations={
            (article_id, language): title
            for article_id, language, title in ArticleTranslation.objects.filter(
                article_id__in=articles
            ).values_list("article_id", "language", "title")
        },
        organisations={},
        urls={},  # a batch meets the same articles again and again
    )
    for article_id, name in (
        ArticleAuthor.objects.filter(article_id__in=articles)
        .order_by("organisation__name")
        .values_list("article_id", "organisation__name")
    ):
        extra.organisations.setdefault(article_id, []).append(name)
    for i, best in zip(wanted, best_per_text, strict=True):
        out[i] = _matches_for(best, articles, langs[i], limit, extra)
    return out


@dataclass
class _ArticleExtras:
    translations: dict[tuple[int, str], str]  # (article, language) -> title
    organisations: dict[int, list[str]]  # article -> newsroom names, by name
    urls: dict[tuple[int, str], str]


def _matches_for(
    best: dict[int, Match],
    articles: dict[int, Article],
    language: str | None,
    limit: int,
    extra: _ArticleExtras,
) -> list[FactCheckMatch]:
    lang = (language or "").split("-")[0].lower()
    out = []
    for article_id, match in sorted(best.items(), key=lambda kv: -kv[1].score):
        article = articles.get(article_id)
        if article is None:
            continue
        translated = (article.pk, lang) in extra.translations
        title = article.title
        if lang and lang != article.language and extra.translations.get((article.pk, lang)):
            title = extra.translations[(article.pk, lang)]
        rating_label = article.rating.label_in(lang or article.language)
        if (article.pk, lang) not in extra.urls:
            extra.urls[(article.pk, lang)] = article_public_url(
                article, language=lang or None, translated=translated
            )
        out.append(
            FactCheckMatch(
                article_id=article.pk,
                slug=article.slug,
                title=title,
                rating_label=rating_label,
                normalised_rating=article.rating.normalised,
                url=extra.urls[(article.pk, lang)],
                confidence=round(float(match.score), 4),
                reason=_reason(article, rating_label, match),
                organisations=tuple(extra.organisations.get(article.pk, ())),
                published_at=article.published_at.isoformat() if article.published_at else "",
                language=article.language,
            )
        )
        if len(out) >= limit:
            break
    return out


_FIELD_NAMES = {"title": "title", "subtitle": "summary", "claim": "claim"}


def _reason(article: Article, rating_label: str, match: Match) -> str:
    field = _FIELD_NAMES.get(match.field, match.field)
    return (
        f"Matches the fact-check “{article.title}” ({rating_label}) with "
        f"{match.score:.0%} confidence; closest part: its {field} "
        f"(similarity {match.field_similarity:.2f})."
    )


def article_public_url(
    article: Article, *, language: str | None = None, translated: bool | None = None
) -> str:
    """``translated``: whether the article has a translation into ``language``, where the
    caller knows (else it is looked up)."""
    url = settings.SITE_URL + reverse("factchecks:public_detail", args=[article.slug])
    if language and language != article.language:
        if translated is None:
            translated = any(t.language == language for t in article.translations.all())
        if translated:
            url += f"?lang={language}"
    return url


# --- who may use the newsroom pages ---------------------------------------------------------


def newsroom_memberships(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(
        user_id=user.pk, role__in=NEWSROOM_ROLES, organisation__kind__in=NEWSROOM_KINDS
    ).select_related("organisation")


def newsroom_organisations(user: AnyUser) -> list[Organisation]:
    """The newsrooms in which the user may check claims (empty for everyone else)."""
    seen: dict[int, Organisation] = {}
    for m in newsroom_memberships(user):
        seen.setdefault(m.organisation_id, m.organisation)
    return sorted(seen.values(), key=lambda o: o.name)


def require_newsroom_member(user: AnyUser) -> list[Organisation]:
    """The user's newsrooms, or 404 for anyone who is not a newsroom fact-checker or admin."""
    orgs = newsroom_organisations(user)
    if not orgs:
        raise Http404
    return orgs


def newsroom_for_member(user: AnyUser, organisation_id: int | str | None) -> Organisation:
    """One of the user's newsrooms by id (the first if none is given), else 404."""
    orgs = require_newsroom_member(user)
    if organisation_id in (None, ""):
        return orgs[0]
    for org in orgs:
        if str(org.pk) == str(organisation_id):
            return org
    raise Http404


def is_newsroom_admin(user: AnyUser, organisation: Organisation) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user_id=user.pk, organisation=organisation, role=Role.ADMIN
        ).exists()
    )


def users_mentionable() -> QuerySet[User]:
    return User.objects.filter(
        memberships__role__in=NEWSROOM_ROLES,
        memberships__organisation__kind__in=NEWSROOM_KINDS,
        is_active=True,
    ).distinct()


# --- the shared queue -----------------------------------------------------------------------


def claim_queue(
    user: AnyUser, *, status: str | None = None, q: str = "", taken: str | None = None
) -> QuerySet[Claim]:
    """The shared queue (all newsrooms see the same claims); 404 for non-members."""
    require_newsroom_member(user)
    claims = Claim.objects.exclude(status=ClaimStatus.MERGED).annotate(
        n_checks=Count("checks", distinct=True), n_articles=Count("articles", distinct=True)
    )
    if status:
        claims = claims.filter(status=status)
    else:
        claims = claims.filter(status__in=[ClaimStatus.OPEN, ClaimStatus.CHECKING])
    if q:
        claims = claims.filter(Q(text__icontains=q) | Q(claimant__icontains=q))
    if taken == "free":
        claims = claims.filter(n_checks=0)
    elif taken == "taken":
        claims = claims.filter(n_checks__gt=0)
    return claims.prefetch_related("checks__organisation", "checks__user").order_by(
        "-created_at", "-pk"
    )


def claim_for_member(user: AnyUser, claim_id: int) -> Claim:
    require_newsroom_member(user)
    claim = Claim.objects.select_related("merged_into", "organisation").filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return claim


def claim_checks(claim: Claim) -> list[ClaimCheck]:
    return list(claim.checks.select_related("organisation", "user"))


def claim_possible_duplicates(claim: Claim, *, limit: int = 5) -> list[tuple[Claim, float]]:
    """Near-identical claims (same exact key, or MinHash similarity over the threshold)."""
    if not claim.exact_key:
        return []
    found: dict[int, float] = {}
    for other in (
        Claim.objects.filter(exact_key=claim.exact_key)
        .exclude(pk=claim.pk)
        .exclude(status=ClaimStatus.MERGED)
    ):
        found[other.pk] = 1.0
    signature = fingerprint.signature_from_bytes(bytes(claim.signature))
    if len(signature):
        keys = fingerprint.lsh_keys(signature)
        candidate_ids = set(
            ClaimLshKey.objects.filter(key__in=keys)
            .exclude(claim_id=claim.pk)
            .values_list("claim_id", flat=True)
        )
        for other in Claim.objects.filter(pk__in=candidate_ids - set(found)).exclude(
            status=ClaimStatus.MERGED
        ):
            other_sig = fingerprint.signature_from_bytes(bytes(other.signature))
            if len(other_sig) != len(signature):
                continue
            sim = fingerprint.similarity(signature, other_sig)
            if sim >= fingerprint.NEAR_DUPLICATE_SIMILARITY:
                found[other.pk] = sim
    claims = {c.pk: c for c in Claim.objects.filter(pk__in=found)}
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(claims[pk], sim) for pk, sim in ranked if pk in claims]


# --- articles -------------------------------------------------------------------------------


def article_for_member(user: AnyUser, article_id: int) -> Article:
    """An article's workspace: authoring newsrooms' members and the designated editor."""
    orgs = require_newsroom_member(user)
    article = (
        Article.objects.select_related("claim", "rating", "created_by", "editor", "approved_by")
        .filter(pk=article_id)
        .filter(Q(authors__organisation__in=orgs) | Q(editor_id=user.pk))
        .distinct()
        .first()
    )
    if article is None:
        raise Http404
    return article


def article_owner_id(article: Article) -> int | None:
    """The newsroom that started the article (its first author): it approves the article and
    designates its editor, whoever co-authors it later."""
    return (
        ArticleAuthor.objects.filter(article=article)
        .order_by("added_at", "pk")
        .values_list("organisation_id", flat=True)
        .first()
    )


def can_approve(user: AnyUser, article: Article) -> bool:
    """An admin of the newsroom that started the article, or the designated editor (whom only
    that newsroom designates); never the author."""
    if not user.is_authenticated or user.pk == article.created_by_id:
        return False
    if article.editor_id == user.pk:
        return True
    owner_id = article_owner_id(article)
    return (
        owner_id is not None
        and Membership.objects.filter(
            user_id=user.pk, role=Role.ADMIN, organisation_id=owner_id
        ).exists()
    )


def can_edit(user: AnyUser, article: Article) -> bool:
    if not user.is_authenticated:
        return False
    return article.editor_id == user.pk or is_coauthor_member(user, article)


def is_coauthor_member(user: AnyUser, article: Article) -> bool:
    """A fact-checker or admin of a newsroom that writes the article (the editor is not)."""
    return (
        newsroom_memberships(user)
        .filter(organisation__in=article.authors.values("organisation"))
        .exists()
    )


def newsrooms_to_invite(article: Article) -> QuerySet[Organisation]:
    """Newsrooms that neither write the article nor have been invited to."""
    return (
        Organisation.objects.filter(kind__in=NEWSROOM_KINDS)
        .exclude(pk__in=article.authors.values("organisation"))
        .exclude(pk__in=article.invitations.values("organisation"))
        .order_by("name")
    )


def article_for_joining(user: AnyUser, article_id: int) -> Article:
    """An article a newsroom of the user may join: one whose workspace the user sees, or one
    their newsroom was invited to; else 404."""
    orgs = require_newsroom_member(user)
    article = (
        Article.objects.select_related("claim")
        .filter(pk=article_id)
        .filter(
            Q(authors__organisation__in=orgs)
            | Q(editor_id=user.pk)
            | Q(invitations__organisation__in=orgs)
        )
        .distinct()
        .first()
    )
    if article is None:
        raise Http404
    return article


def claim_invitations(user: AnyUser, claim: Claim) -> QuerySet[ArticleInvitation]:
    """Invitations to co-author the claim's articles sent to the user's newsrooms."""
    return ArticleInvitation.objects.filter(
        article__claim=claim, organisation__in=newsroom_organisations(user)
    ).select_related("article", "organisation")


def claim_other_newsrooms(user: AnyUser, claim: Claim) -> list[str]:
    """Names of the newsrooms writing unpublished articles on the claim that the user cannot
    open: that they are on it, never what their drafts say."""
    hidden = claim.articles.exclude(status=ArticleStatus.PUBLISHED).exclude(
        pk__in=articles_for_claim(user, claim).values("pk")
    )
    return sorted(
        set(
            Organisation.objects.filter(
                pk__in=ArticleAuthor.objects.filter(article__in=hidden).values("organisation")
            ).values_list("name", flat=True)
        )
    )


def articles_for_claim(user: AnyUser, claim: Claim) -> QuerySet[Article]:
    """The claim's articles: all published ones, and drafts of the user's newsrooms."""
    orgs = newsroom_organisations(user)
    return (
        claim.articles.filter(
            Q(status=ArticleStatus.PUBLISHED)
            | Q(authors__organisation__in=orgs)
            | Q(editor_id=user.pk)
        )
        .distinct()
        .select_related("rating")
    )


def my_articles(user: AnyUser) -> QuerySet[Article]:
    orgs = require_newsroom_member(user)
    return (
        Article.objects.filter(Q(authors__organisation__in=orgs) | Q(editor_id=user.pk))
        .exclude(status=ArticleStatus.PUBLISHED)
        .distinct()
        .select_related("rating", "claim")
        .order_by("-updated_at")
    )


def published_articles(q: str = "") -> QuerySet[Article]:
    articles = (
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .select_related("rating", "claim")
        .prefetch_related("organisations", "translations")
        .order_by("-published_at", "-pk")
    )
    if q:
        articles = articles.filter(
            Q(title__icontains=q)
            | Q(summary__icontains=q)
            | Q(claim__text__icontains=q)
            | Q(translations__title__icontains=q)
            | Q(translations__claim_text__icontains=q)
        ).distinct()
    return articles


def published_article(slug: str) -> Article:
    article = published_articles().filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


def active_ratings() -> QuerySet[Rating]:
    return Rating.objects.filter(active=True)
