"""Pages of the fact-check library: the public library and feeds, and the newsrooms' queue."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sitroom.accounts.selectors import signed_in_user
from sitroom.factchecks import selectors, services
from sitroom.factchecks.claimreview import article_claimreview, claimreview_script, rating_bounds
from sitroom.factchecks.forms import (
    ArticleForm,
    ClaimForm,
    CommentForm,
    ImportForm,
    NewArticleForm,
    TranslationForm,
)
from sitroom.factchecks.imports import (
    ImportFormatError,
    factchecks_import,
    factchecks_import_url_start,
)
from sitroom.factchecks.models import Article, ArticleStatus, ClaimCheck, ClaimStatus, ImportRun

# --- public ---------------------------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    page = Paginator(selectors.published_articles(q), 20).get_page(request.GET.get("page"))
    return render(request, "factchecks/public_list.html", {"page": page, "q": q})


def public_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.published_article(slug)
    lang = request.GET.get("lang", "")
    translation = next((t for t in article.translations.all() if t.language == lang), None)
    data = article_claimreview(article)
    return render(
        request,
        "factchecks/public_detail.html",
        {
            "article": article,
            "translation": translation,
            "rating_label": article.rating.label_in(lang or article.language),
            "claimreview_json": claimreview_script(data),
            "evidence": article.evidence.all(),
        },
    )


def claimreview_feed(request: HttpRequest) -> JsonResponse:
    """Every published fact-check as a schema.org DataFeed of ClaimReview items."""
    bounds = rating_bounds()
    articles = selectors.published_articles().prefetch_related("claim__sources")
    items = [article_claimreview(a, bounds=bounds) for a in articles]
    for item in items:
        item.pop("@context", None)
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{settings.SITE_NAME} fact-checks",
        "url": settings.SITE_URL + reverse("factchecks:claimreview_feed"),
        "dataFeedElement": items,
    }
    response = JsonResponse(feed, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    return response


def atom_feed(request: HttpRequest) -> HttpResponse:
    feed = Atom1Feed(
        title=f"{settings.SITE_NAME}: {_('fact-checks')}",
        link=settings.SITE_URL + reverse("factchecks:public_list"),
        description=_("Fact-checks published by the coalition's newsrooms"),
        language=settings.LANGUAGE_CODE,
        feed_url=settings.SITE_URL + reverse("factchecks:atom_feed"),
    )
    for article in selectors.published_articles()[:100]:
        url = selectors.article_public_url(article)
        feed.add_item(
            title=f"{article.rating.label}: {article.title}",
            link=url,
            description=article.summary or article.claim.text,
            unique_id=url,
            pubdate=article.published_at,
            updateddate=article.updated_at,
            author_name=", ".join(o.name for o in article.organisations.all()),
            categories=[article.rating.normalised],
        )
    return HttpResponse(
        feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8"
    )


# --- the shared queue -----------------------------------------------------------------------


@login_required
def claim_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisations = selectors.require_newsroom_member(user)
    form = ClaimForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        org = selectors.newsroom_for_member(user, form.cleaned_data["organisation"])
        claim = services.claim_create(
            text=form.cleaned_data["text"],
            language=form.cleaned_data["language"],
            claimant=form.cleaned_data["claimant"],
            appeared_in=form.cleaned_data["appeared_in"],
            appearance_url=form.cleaned_data["appearance_url"] or "",
            appeared_at=form.cleaned_data["appeared_at"],
            organisation=org,
            by=user,
        )
        messages.success(request, _("Claim added to the shared queue."))
        return redirect("factchecks:claim_detail", claim.pk)
    status = request.GET.get("status", "")
    if status not in ClaimStatus.values:
        status = ""
    taken = request.GET.get("taken", "")
    q = request.GET.get("q", "").strip()[:200]
    claims = selectors.claim_queue(user, status=status or None, q=q, taken=taken or None)
    page = Paginator(claims, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "factchecks/queue.html",
        {
            "page": page,
            "form": form,
            "status": status,
            "taken": taken,
            "q": q,
            "statuses": ClaimStatus.choices,
            "my_articles": selectors.my_articles(user)[:20],
            "organisations": organisations,
        },
    )


@login_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = selectors.claim_for_member(user, claim_id)
    organisations = selectors.newsroom_organisations(user)
    checks = selectors.claim_checks(claim)
    mine = [c for c in checks if c.organisation in organisations]
    others = [c for c in checks if c.organisation not in organisations]
    return render(
        request,
        "factchecks/claim_detail.html",
        {
            "claim": claim,
            "checks": checks,
            "my_checks": mine,
            "other_checks": others,
            "organisations": organisations,
            "unchecked_organisations": [
                o for o in organisations if all(c.organisation_id != o.pk for c in checks)
            ],
            "duplicates": selectors.claim_possible_duplicates(claim),
            "articles": selectors.articles_for_claim(user, claim),
            "other_newsrooms": selectors.claim_other_newsrooms(user, claim),
            "invitations": selectors.claim_invitations(user, claim),
            "comments": claim.comments.select_related("author", "organisation", "article"),
            "comment_form": CommentForm(),
            "article_form": NewArticleForm(
                organisations=organisations, initial={"language": claim.language or "en"}
            ),
            "sources": claim.sources.all(),
        },
    )


@login_required
@require_POST
def claim_check(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = selectors.claim_for_member(user, claim_id)
    org = selectors.newsroom_for_member(user, request.POST.get("organisation"))
    try:
        _check, others = services.claim_check_start(claim=claim, organisation=org, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("factchecks:claim_detail", claim.pk)
    if others:
        names = ", ".join(
            f"{c.organisation.name} ({c.user.get_username() if c.user else '?'})" for c in others
        )
        messages.warning(
            request,
            _(
                "Heads up: %(names)s already checking this claim. You have joined; "
                "consider co-authoring one article with them."
            )
            % {"names": names},
        )
    else:
        messages.success(request, _("Marked: your newsroom is checking this claim."))
    return redirect("factchecks:claim_detail", claim.pk)


@login_required
@require_POST
def claim_uncheck(request: HttpRequest, claim_id: int, check_id: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = selectors.claim_for_member(user, claim_id)
    organisations = selectors.newsroom_organisations(user)
    check = ClaimCheck.objects.filter(
        pk=check_id, claim=claim, organisation__in=organisations
    ).first()
    if check is None:
        raise Http404
    services.claim_check_stop(check=check, by=user)
    messages.success(request, _("Your newsroom is no longer marked as checking this claim."))
    return redirect("factchecks:claim_detail", claim.pk)


@login_required
@require_POST
def claim_merge(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = selectors.claim_for_member(user, claim_id)
    try:
        into = selectors.claim_for_member(user, int(request.POST.get("into", "0")))
    except ValueError:
        raise Http404 from None
    try:
        services.claim_merge(claim=claim, into=into, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("factchecks:claim_detail", claim.pk)
    messages.success(request, _("Claims merged."))
    return redirect("factchecks:claim_detail", into.pk)


@login_required
@require_POST
def claim_comment(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = selectors.claim_for_member(user, claim_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        orgs = selectors.newsroom_organisations(user)
        services.comment_add(
            claim=claim, author=user, organisation=orgs[0], body=form.cleaned_data["body"]
        )
        messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment first."))
    return redirect(reverse("factchecks:claim_detail", args=[claim.pk]) + "#comments")


@login_required
@require_POST
def article_new(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in_user(request)
    claim = selectors.claim_for_member(user, claim_id)
    organisations = selectors.newsroom_organisations(user)
    form = NewArticleForm(request.POST, organisations=organisations)
    if form.is_valid():
        data = form.cleaned_data
        org = selectors.newsroom_for_member(user, data["organisation"])
        try:
            article = services.article_create(
                claim=claim,
                organisation=org,
                by=user,
                **_article_fields(data),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Draft created."))
            return redirect("factchecks:article_detail", article.pk)
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("factchecks:claim_detail", claim.pk)


# --- articles -------------------------------------------------------------------------------

ARTICLE_FIELDS = ("title", "language", "rating", "verdict", "summary", "body", "evidence", "editor")


def _article_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The article form's fields as article_create / article_update take them."""
    return {name: data[name] for name in ARTICLE_FIELDS}


def _article_form(article: Article, data: dict | None = None) -> ArticleForm:
    initial = {
        "title": article.title,
        "language": article.language,
        "rating": article.rating_id,
        "verdict": article.verdict,
        "summary": article.summary,
        "body": article.body,
        "evidence": "\n".join(f"{e.url} {e.title}".strip() for e in article.evidence.all()),
        "editor": article.editor_id,
    }
    return ArticleForm(data, initial=initial)


@login_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in_user(request)
    article = selectors.article_for_member(user, article_id)
    form = _article_form(article, request.POST or None)
    if request.method == "POST":
        if not selectors.can_edit(user, article):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.article_update(
                    article=article,
                    by=user,
                    **_article_fields(data),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("factchecks:article_detail", article.pk)
    organisations = selectors.newsroom_organisations(user)
    authors = list(article.organisations.all())
    is_coauthor = selectors.is_coauthor_member(user, article)
    invited = set(article.invitations.values_list("organisation_id", flat=True))
    return render(
        request,
        "factchecks/article_detail.html",
        {
            "article": article,
            "form": form,
            "translation_form": TranslationForm(),
            "comment_form": CommentForm(),
            "authors": authors,
            "can_approve": selectors.can_approve(user, article),
            "can_edit": selectors.can_edit(user, article),
            "is_author": user.pk == article.created_by_id,
            "joinable": [
                o for o in organisations if o not in authors and (is_coauthor or o.pk in invited)
            ],
            "invitable": selectors.newsrooms_to_invite(article) if is_coauthor else [],
            "invited": article.invitations.select_related("organisation"),
            "translations": article.translations.all(),
            "comments": article.comments.select_related("author", "organisation"),
            "statuses": ArticleStatus,
            "public_url": selectors.article_public_url(article) if article.is_published else "",
        },
    )


def _article_action(request: HttpRequest, article_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    article = selectors.article_for_member(user, article_id)
    try:
        if action == "submit":
            services.article_submit(article=article, by=user)
            messages.success(request, _("Sent to your editor for approval."))
        elif action == "approve":
            services.article_approve(
                article=article, by=user, version=request.POST.get("version") or None
            )
            messages.success(request, _("Approved. It can now be published."))
        elif action == "request_changes":
            services.article_request_changes(
                article=article, by=user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Sent back to the author."))
        elif action == "publish":
            if not selectors.can_edit(user, article):
                raise Http404
            services.article_publish(article=article, by=user)
            messages.success(request, _("Published."))
        elif action == "unpublish":
            if not (selectors.can_edit(user, article) or selectors.can_approve(user, article)):
                raise Http404
            services.article_unpublish(article=article, by=user)
            messages.success(request, _("Unpublished."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("factchecks:article_detail", article.pk)


@login_required
@require_POST
def article_action(request: HttpRequest, article_id: int, action: str) -> HttpResponse:
    return _article_action(request, article_id, action)


@login_required
@require_POST
def article_translation(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in_user(request)
    article = selectors.article_for_member(user, article_id)
    if not selectors.can_edit(user, article):
        raise Http404
    form = TranslationForm(request.POST)
    if form.is_valid():
        try:
            services.article_translation_save(article=article, by=user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Translation saved."))
    else:
        messages.error(request, _("A translation needs a language and a title."))
    return redirect("factchecks:article_detail", article.pk)


@login_required
@require_POST
def article_invite(request: HttpRequest, article_id: int) -> HttpResponse:
    """Co-publication, first step: a newsroom writing the article invites another newsroom."""
    user = signed_in_user(request)
    article = selectors.article_for_member(user, article_id)
    organisation_id = request.POST.get("organisation", "")
    organisation = (
        selectors.newsrooms_to_invite(article).filter(pk=organisation_id).first()
        if organisation_id.isascii() and organisation_id.isdigit() and len(organisation_id) < 19
        else None
    )
    if organisation is None:
        messages.error(request, _("Choose a newsroom to invite."))
        return redirect("factchecks:article_detail", article.pk)
    try:
        services.article_invite(article=article, organisation=organisation, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s is invited; one of its members can now join from the claim's page.")
            % {"name": organisation.name},
        )
    return redirect("factchecks:article_detail", article.pk)


@login_required
@require_POST
def article_join(request: HttpRequest, article_id: int) -> HttpResponse:
    """Co-publication: a newsroom of the user's joins an article as co-author, on an invitation
    from a newsroom writing it (or when the user is in one of those too)."""
    user = signed_in_user(request)
    article = selectors.article_for_joining(user, article_id)
    org = selectors.newsroom_for_member(user, request.POST.get("organisation"))
    try:
        added = services.article_coauthor_add(article=article, organisation=org, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("factchecks:claim_detail", article.claim_id)
    if added:
        messages.success(request, _("Your newsroom is now a co-author."))
    return redirect("factchecks:article_detail", article.pk)


@login_required
@require_POST
def article_comment(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in_user(request)
    article = selectors.article_for_member(user, article_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        orgs = selectors.newsroom_organisations(user)
        services.comment_add(
            claim=article.claim,
            article=article,
            author=user,
            organisation=orgs[0],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Comment added."))
    return redirect(reverse("factchecks:article_detail", args=[article.pk]) + "#comments")


# --- import ---------------------------------------------------------------------------------


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload for fact-checker organisation admins."""
    user = signed_in_user(request)
    admin_orgs = [
        o for o in selectors.require_newsroom_member(user) if selectors.is_newsroom_admin(user, o)
    ]
    if not admin_orgs:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, organisations=admin_orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = next(o for o in admin_orgs if str(o.pk) == str(data["organisation"]))
        try:
            if data.get("url"):
                run = factchecks_import_url_start(organisation=org, url=data["url"], by=user)
                messages.success(
                    request, _("Fetching in the background; refresh to see the result.")
                )
            else:
                source = data["file"].name if data.get("file") else "pasted"
                run = factchecks_import(
                    organisation=org,
                    fmt=data["format"],
                    data=data["content"],
                    source=source,
                    by=user,
                    default_rating=data.get("default_rating"),
                )
        except ImportFormatError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("factchecks:import") + f"?run={run.pk}")
    runs = ImportRun.objects.filter(organisation__in=admin_orgs)[:10]
    shown = None
    run_id = request.GET.get("run", "")
    if run_id.isascii() and run_id.isdigit() and len(run_id) < 19:
        shown = ImportRun.objects.filter(pk=int(run_id), organisation__in=admin_orgs).first()
    return render(
        request,
        "factchecks/import.html",
        {"form": form, "runs": runs, "shown": shown, "details_json": json.dumps([])},
    )
