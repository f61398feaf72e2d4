"""Reads of monitoring. Organisation scoping is explicit in every function."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.http import Http404
from django.utils import timezone

from sitroom.accounts.models import Organisation, Role
from sitroom.accounts.selectors import AnyUser, organisation_for_member
from sitroom.lib.values import database_id
from sitroom.monitoring.models import (
    Escalation,
    LabelTask,
    Narrative,
    Post,
    PostLabel,
    PostState,
    Source,
    StepResult,
)

WORKSPACE_ROLES = frozenset({Role.MONITOR, Role.ANALYST, Role.ADMIN})
PUSH_ROLES = frozenset({Role.MONITOR, Role.ADMIN})


def monitoring_organisations(user: AnyUser) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user_id=user.pk, memberships__role__in=WORKSPACE_ROLES
    ).distinct()


def workspace_for(user: AnyUser, slug: str) -> Organisation:
    """The organisation whose workspace ``user`` may open, else 404."""
    return organisation_for_member(user, slug, roles=WORKSPACE_ROLES)


def source_for_push(user: AnyUser, source_id: Any) -> Source:
    """A source the user may push posts into (monitor or admin of its organisation)."""
    source_id = database_id(source_id)
    if source_id is None:
        raise Http404  # not an id ("source": true once pushed into source 1)
    try:
        source = Source.objects.select_related("organisation").get(pk=source_id)
    except Source.DoesNotExist:
        raise Http404 from None
    organisation_for_member(user, source.organisation.slug, roles=PUSH_ROLES)
    return source


def source_of(organisation: Organisation, source_id: int) -> Source:
    source = Source.objects.filter(organisation=organisation, pk=source_id).first()
    if source is None:
        raise Http404
    return source


def org_sources(organisation: Organisation) -> QuerySet[Source]:
    return Source.objects.filter(organisation=organisation).annotate(n_posts=Count("posts"))


@dataclass
class StreamFilters:
    language: str = ""
    region: str = ""
    source: int | None = None
    signal: str = ""  # relevant / hate / toxic / checkworthy / factchecked / duplicate
    narrative: int | None = None
    since_hours: int | None = None
    q: str = ""
    after_id: int | None = None


def stream(organisation: Organisation, f: StreamFilters, *, limit: int = 50) -> list[Post]:
    """Processed posts of interest, newest first."""
    qs = Post.objects.filter(organisation=organisation, state=PostState.DONE).select_related(
        "source", "narrative"
    )
    if f.language:
        qs = qs.filter(language=f.language)
    if f.region:
        qs = qs.filter(region=f.region)
    if f.source:
        qs = qs.filter(source_id=f.source)
    if f.narrative:
        qs = qs.filter(narrative_id=f.narrative)
    if f.since_hours:
        qs = qs.filter(processed_at__gte=timezone.now() - timedelta(hours=f.since_hours))
    if f.q:
        qs = qs.filter(text__icontains=f.q)
    if f.after_id:
        qs = qs.filter(pk__gt=f.after_id)
    if f.signal:
        if f.signal not in SIGNALS:
            raise ValueError(f"unknown signal {f.signal!r}: expected one of {', '.join(SIGNALS)}")
        qs = qs.filter(SIGNALS[f.signal])
    return list(qs.order_by("-processed_at", "-id")[:limit])


#: The stream's signal filters.
SIGNALS: dict[str, Q] = {
    "relevant": Q(is_relevant=True),
    "hate": Q(is_hateful=True) | Q(lexicon_hits__gt=0),
    "toxic": Q(is_toxic=True),
    "checkworthy": Q(is_checkworthy=True),
    "factchecked": Q(has_factcheck=True),
    "duplicate": Q(is_duplicate=True),
    "original": Q(is_duplicate=False),
}


def stream_facets(organisation: Organisation) -> dict[str, list[Any]]:
    # No ordering: Post's default ordering (-id) would join the DISTINCT, one row per post.
    base = Post.objects.filter(organisation=organisation, state=PostState.DONE).order_by()
    return {
        "languages": sorted(x for x in base.values_list("language", flat=True).distinct() if x),
        "regions": sorted(x for x in base.values_list("region", flat=True).distinct() if x),
        "sources": list(Source.objects.filter(organisation=organisation).values_list("id", "name")),
    }


def post_of(organisation: Organisation, post_id: int) -> Post:
    post = (
        Post.objects.filter(organisation=organisation, pk=post_id)
        .select_related("source", "narrative", "content")
        .first()
    )
    if post is None:
        raise Http404
    return post


def post_signals(post: Post) -> list[dict[str, Any]]:
    """Each step's result for the post's text (the representative's for shared steps)."""
    if post.content is None:
        return []
    from sitroom.monitoring.pipeline import latest_results

    own_id = post.content.pk
    rep_id = post.content.representative_id or own_id  # type: ignore[attr-defined]
    results = latest_results([own_id, rep_id])
    merged = {**results.get(rep_id, {}), **results.get(own_id, {})}
    return [{"step": step, **result} for step, result in sorted(merged.items())]


def post_labels(post: Post) -> QuerySet[PostLabel]:
    return post.labels.select_related("labelled_by").order_by("task", "-created_at")


def parked_posts(organisation: Organisation) -> QuerySet[Post]:
    return Post.objects.filter(organisation=organisation, state=PostState.PARKED).select_related(
        "source"
    )


def pipeline_counts(organisation: Organisation) -> dict[str, int]:
    rows = Post.objects.filter(organisation=organisation).values("state").annotate(n=Count("id"))
    return {r["state"]: r["n"] for r in rows}


def narratives_for(
    organisation: Organisation, *, include_candidates: bool = False, q: str = ""
) -> QuerySet[Narrative]:
    statuses = [Narrative.Status.ACTIVE]
    if include_candidates:
        statuses.append(Narrative.Status.CANDIDATE)
    qs = Narrative.objects.filter(organisation=organisation, status__in=statuses)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(tags__icontains=q))
    return qs.order_by("-last_seen", "-id")


def narrative_of(organisation: Organisation, narrative_id: int) -> Narrative:
    n = Narrative.objects.filter(organisation=organisation, pk=narrative_id).first()
    if n is None:
        raise Http404
    return n


def narrative_volume(narrative: Narrative, *, hours: int = 48) -> list[tuple[datetime, int]]:
    """Posts per hour (by arrival) over the last ``hours`` hours of the narrative's life."""
    end = (narrative.last_seen or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours - 1)
    rows = (
        narrative.posts.filter(arrived_at__gte=start)
        .annotate(hour=TruncHour("arrived_at"))
        .values("hour")
        .annotate(n=Count("id"))
    )
    counts = {r["hour"]: r["n"] for r in rows}
    return [
        (start + timedelta(hours=i), counts.get(start + timedelta(hours=i), 0))
        for i in range(hours)
    ]


def narrative_summary(narrative: Narrative) -> dict[str, Any]:
    posts = narrative.posts.filter(state=PostState.DONE)
    languages = Counter(dict(posts.values_list("language").annotate(n=Count("id"))))
    regions = Counter(dict(posts.exclude(region="").values_list("region").annotate(n=Count("id"))))
    accounts = list(
        posts.exclude(author="")
        .values("author", "source__name")
        .annotate(n=Count("id"))
        .order_by("-n", "author")[:10]
    )
    # Top posts: the distinct texts posted most, one example post each.
    top_texts = list(
        posts.values("content_id").annotate(n=Count("id")).order_by("-n", "content_id")[:10]
    )
    examples = {
        p.content_id: p
        for p in posts.filter(content_id__in=[t["content_id"] for t in top_texts]).order_by("id")
    }
    top_posts = [
        (examples[t["content_id"]], t["n"]) for t in top_texts if t["content_id"] in examples
    ]
    text_ids = list(narrative.members.values_list("text_id", flat=True))
    factchecks: dict[Any, dict[str, Any]] = {}
    for result in StepResult.objects.filter(text_id__in=text_ids, step="factcheck").values_list(
        "result", flat=True
    ):
        for m in result.get("matches", []):
            key = m.get("article_id") or m.get("url") or m.get("title")
            if key not in factchecks or m.get("confidence", 0) > factchecks[key].get(
                "confidence", 0
            ):
                factchecks[key] = m
    return {
        "languages": languages.most_common(),
        "regions": regions.most_common(),
        "accounts": accounts,
        "top_posts": top_posts,
        "factchecks": sorted(factchecks.values(), key=lambda m: -m.get("confidence", 0)),
        "escalations": list(Escalation.objects.filter(narrative=narrative)),
    }


def labelled_examples(task: str) -> list[tuple[str, str, str]]:
    """(text, label, language) for ``sitroom train``: the latest label per post and person,
    the majority over people per text (ties dropped). Labels use the classifiers' names."""
    if task not in LabelTask.values:
        raise ValueError(f"unknown task {task!r}")
    try:
        from sitroom.nlp.classifiers.base import LABELS
    except ImportError:  # pragma: no cover
        LABELS = {}
    negative, positive = LABELS.get(task, ("no", "yes"))
    votes: dict[int, list[int]] = {}
    texts: dict[int, tuple[str, str]] = {}
    rows = PostLabel.objects.filter(task=task).select_related("post").order_by("created_at")
    for label in rows:
        post = label.post
        key = post.content_id or -post.pk
        votes.setdefault(key, [0, 0])[int(label.positive)] += 1
        texts.setdefault(key, (post.text, post.language))
    out = []
    for key, (no, yes) in votes.items():
        if no == yes:
            continue
        text, language = texts[key]
        out.append((text, positive if yes > no else negative, language))
    return out
