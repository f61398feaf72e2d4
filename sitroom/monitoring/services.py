"""Every write of monitoring: sources, intake of posts, labels, narratives, escalation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sitroom.accounts.models import Organisation
from sitroom.audit.services import audit_record, snapshot
from sitroom.monitoring import conf
from sitroom.monitoring.items import PostIn, stored_form
from sitroom.monitoring.models import (
    Escalation,
    LabelTask,
    Narrative,
    NarrativeMember,
    Post,
    PostLabel,
    PostState,
    SavedMapping,
    Source,
    SourceKind,
    WatchTerm,
)

logger = logging.getLogger("sitroom.monitoring")


# ------------------------------------------------------------------------------ sources


@transaction.atomic
def source_create(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    config: dict[str, Any] | None = None,
    enabled: bool = True,
    region: str = "",
    poll_interval_seconds: int = 300,
) -> Source:
    if kind not in SourceKind.values:
        raise ValidationError(_("Unknown source kind: %(kind)s") % {"kind": kind})
    from sitroom.monitoring.connectors import source_config_errors

    errors = source_config_errors(kind, config or {})
    if errors:
        raise ValidationError({"config": errors})
    source = Source.objects.create(
        organisation=organisation,
        name=name.strip()[:200],
        kind=kind,
        config=config or {},
        enabled=enabled,
        region=region,
        poll_interval_seconds=max(30, poll_interval_seconds),
        next_poll_at=timezone.now() if enabled else None,
    )
    audit_record(
        action="monitoring.source.create",
        obj=source,
        organisation=organisation,
        after=snapshot(source, ["name", "kind", "config", "enabled"]),
    )
    if enabled and kind not in (SourceKind.UPLOAD, SourceKind.PUSH):
        from sitroom.monitoring.tasks import source_poll

        transaction.on_commit(lambda: source_poll.enqueue(source.pk))
    return source


@transaction.atomic
def source_set_enabled(*, source: Source, enabled: bool) -> Source:
    before = snapshot(source, ["enabled"])
    source.enabled = enabled
    source.next_poll_at = timezone.now() if enabled else None
    source.consecutive_failures = 0
    source.save(update_fields=["enabled", "next_poll_at", "consecutive_failures"])
    audit_record(
        action="monitoring.source.update",
        obj=source,
        organisation=source.organisation_id,
        before=before,
        after=snapshot(source, ["enabled"]),
    )
    return source


def source_poll_succeeded(*, source: Source, cursor: dict[str, Any]) -> None:
    """Remember where the connector stopped and when to look again (no audit: routine)."""
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(
        cursor=cursor,
        last_polled_at=now,
        next_poll_at=now + timedelta(seconds=source.poll_interval_seconds),
        consecutive_failures=0,
        last_error="",
    )


def source_poll_failed(*, source: Source, error: str, retry_after: float | None = None) -> None:
    """Back off exponentially (or as the service asked) after a failed poll."""
    failures = source.consecutive_failures + 1
    delay = retry_after or min(source.poll_interval_seconds * 2 ** min(failures, 8), 6 * 3600)
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(
        consecutive_failures=failures,
        last_error=error[:2000],
        last_polled_at=now,
        next_poll_at=now + timedelta(seconds=delay),
    )


# -------------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class IngestResult:
    external_id: str
    status: str  # "created" | "duplicate"
    post_id: int | None


def posts_ingest(
    *, source: Source, items: Sequence[PostIn], arrived_at: Any = None
) -> list[IngestResult]:
    """Store new posts (idempotent by source and external id) and start the pipeline.

    The same function serves connectors, uploads and the push API. Posts already known (or
    repeated within ``items``) are reported as duplicates and left unchanged.
    """
    now = arrived_at or timezone.now()
    items = [stored_form(i) for i in items]
    ids = [i.external_id for i in items]
    with transaction.atomic():
        known = dict(
            Post.objects.filter(source=source, external_id__in=ids).values_list("external_id", "id")
        )
        new: list[Post] = []
        seen: set[str] = set()
        for item in items:
            if item.external_id in known or item.external_id in seen:
                continue
            seen.add(item.external_id)
            new.append(
                Post(
                    organisation_id=source.organisation_id,
                    source=source,
                    external_id=item.external_id,
                    text=item.text,
                    url=item.url,
                    author=item.author,
                    language_hint=item.language,
                    region=item.region or source.region,
                    published_at=item.published_at,
                    arrived_at=now,
                    media=item.media,
                    extra=item.extra,
                )
            )
        if new:
            # ignore_conflicts: a concurrent push of the same ids must not fail the batch.
            Post.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
            created = dict(
                Post.objects.filter(
                    source=source, external_id__in=[p.external_id for p in new], arrived_at=now
                ).values_list("external_id", "id")
            )
            transaction.on_commit(pipeline_kick)
        else:
            created = {}
    out = []
    for item in items:
        if item.external_id in created and item.external_id not in known:
            out.append(IngestResult(item.external_id, "created", created[item.external_id]))
            known[item.external_id] = created[item.external_id]
        else:
            out.append(IngestResult(item.external_id, "duplicate", known.get(item.external_id)))
    return out


def pipeline_kick() -> None:
    """Ask a worker on the "pipeline" queue to drain what is waiting.

    On the database queue, a pipeline task that is already waiting will drain these posts
    too, so no second one is added (a burst of pushes would otherwise queue hundreds).
    """
    from sitroom.monitoring.tasks import pipeline_run

    backend = pipeline_run.get_backend()
    if backend.__class__.__module__.startswith("django_tasks_db"):
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        now = timezone.now()
        waiting = DBTaskResult.objects.filter(
            task_path=pipeline_run.module_path, status=TaskResultStatus.READY
        ).filter(Q(run_after__lte=now) | Q(run_after__gt=now + timedelta(days=3650)))
        if waiting.exists():
            return
    pipeline_run.enqueue()


@transaction.atomic
def posts_push(
    *, source: Source, items: Sequence[PostIn], by: User, rejected: int = 0
) -> list[IngestResult]:
    """Posts pushed through the API or uploaded by a person (audited per batch)."""
    results = posts_ingest(source=source, items=items)
    audit_record(
        action="monitoring.posts.push",
        obj=source,
        organisation=source.organisation_id,
        after={
            "created": sum(r.status == "created" for r in results),
            "duplicate": sum(r.status == "duplicate" for r in results),
            "rejected": rejected,
        },
        actor_user=by,
    )
    return results


@transaction.atomic
def post_retry(*, post: Post, by: User) -> Post:
    """Put a parked post back in the pipeline."""
    if post.state != PostState.PARKED:
        raise ValidationError(_("Only parked posts can be retried."))
    Post.objects.filter(pk=post.pk).update(
        state=PostState.NEW, attempts=0, retry_after=None, claimed_by="", claimed_at=None
    )
    audit_record(
        action="monitoring.post.retry",
        obj=post,
        organisation=post.organisation_id,
        before={"error": post.last_error[:500]},
        actor_user=by,
    )
    transaction.on_commit(pipeline_kick)
    post.refresh_from_db()
    return post


@transaction.atomic
def mapping_save(
    *, organisation: Organisation, name: str, mapping: dict[str, str], by: User
) -> SavedMapping:
    saved, _created = SavedMapping.objects.update_or_create(
        organisation=organisation,
        name=name.strip()[:120],
        defaults={"mapping": mapping, "created_by": by},
    )
    audit_record(
        action="monitoring.mapping.save",
        obj=saved,
        organisation=organisation,
        after={"name": saved.name, "mapping": mapping},
        actor_user=by,
    )
    return saved


@transaction.atomic
def watchterms_import(*, rows: Sequence[dict[str, str]]) -> int:
    """Add or update watchlist terms from rows with term, kind, entity, language."""
    count = 0
    for row in rows:
        term = (row.get("term") or "").strip()
        kind = (row.get("kind") or "").strip()
        if not term or kind not in dict(WatchTerm._meta.get_field("kind").choices or []):
            continue
        WatchTerm.objects.update_or_create(
            term=term,
            kind=kind,
            language=(row.get("language") or "").strip()[:12],
            defaults={"entity": (row.get("entity") or "").strip()[:200], "active": True},
        )
        count += 1
    audit_record(action="monitoring.watchlist.import", after={"terms": count})
    return count


# -------------------------------------------------------------------------------- labels


@transaction.atomic
def post_label(*, post: Post, task: str, positive: bool, by: User) -> PostLabel:
    if task not in LabelTask.values:
        raise ValidationError(_("Unknown label: %(task)s") % {"task": task})
    label, created = PostLabel.objects.update_or_create(
        post=post, task=task, labelled_by=by, defaults={"positive": positive}
    )
    audit_record(
        action="monitoring.post.label",
        obj=post,
        organisation=post.organisation_id,
        after={"task": task, "positive": positive, "new": created},
        actor_user=by,
    )
    return label


# ---------------------------------------------------------------------------- narratives


def _recompute(narrative: Narrative) -> None:
    """Counts, dates, centroid and status from the members (after merges and splits)."""
    from sitroom.monitoring.narratives import current_space, member_sums

    text_ids = list(narrative.members.values_list("text_id", flat=True))
    stats = narrative.posts.aggregate(
        n=Count("id"), first=Min("arrived_at"), last=Max("arrived_at")
    )
    space = current_space()
    summed = member_sums([narrative.pk], space).get(narrative.pk)
    if summed is not None:
        narrative.vector_sum, narrative.vector_space = summed[0], space.name
    narrative.text_count = len(text_ids)
    narrative.post_count = stats["n"] or 0
    narrative.first_seen = stats["first"] or narrative.first_seen
    narrative.last_seen = stats["last"] or narrative.last_seen
    if (
        narrative.status == Narrative.Status.CANDIDATE
        and narrative.text_count >= conf.NARRATIVE_ACTIVE_TEXTS
    ):
        narrative.status = Narrative.Status.ACTIVE
    narrative.save()


@transaction.atomic
def narratives_refresh(*, organisation: Organisation) -> int:
    """Recompute counts, dates and centroids of an organisation's live narratives."""
    live = Narrative.objects.filter(organisation=organisation).exclude(
        status=Narrative.Status.MERGED
    )
    for narrative in live:
        _recompute(narrative)
    return live.count()


@transaction.atomic
def narrative_update(
    *, narrative: Narrative, title: str, tags: Sequence[str], by: User
) -> Narrative:
    before = snapshot(narrative, ["title", "tags"])
    narrative.title = title.strip()[:200]
    narrative.tags = sorted({t.strip()[:40] for t in tags if t.strip()})
    if narrative.status == Narrative.Status.CANDIDATE and narrative.title:
        narrative.status = Narrative.Status.ACTIVE  # naming it means a person adopted it
    narrative.save(update_fields=["title", "tags", "status", "updated_at"])
    audit_record(
        action="monitoring.narrative.update",
        obj=narrative,
        organisation=narrative.organisation_id,
        before=before,
        after=snapshot(narrative, ["title", "tags"]),
        actor_user=by,
    )
    return narrative


@transaction.atomic
def narrative_merge(*, narrative: Narrative, into: Narrative, by: User) -> Narrative:
    """Move every member and post of ``narrative`` into ``into``; the first is kept, merged."""
    if narrative.pk == into.pk or narrative.organisation_id != into.organisation_id:
        raise ValidationError(_("Choose another narrative of the same organisation."))
    # Re-read both under a lock: another monitor may have merged either a moment ago (a
    # stale dropdown), and posts moved into a merged narrative would vanish from every list.
    fresh = {
        n.pk: n
        for n in Narrative.objects.select_for_update().filter(pk__in=[narrative.pk, into.pk])
    }
    for n in (narrative, into):
        if fresh[n.pk].status == Narrative.Status.MERGED:
            raise ValidationError(
                _("Narrative %(n)d has already been merged into narrative %(into)s.")
                % {"n": n.pk, "into": fresh[n.pk].merged_into_id}
            )
    NarrativeMember.objects.filter(narrative=narrative).update(narrative=into)
    Post.objects.filter(narrative=narrative).update(narrative=into)
    narrative.status = Narrative.Status.MERGED
    narrative.merged_into = into
    narrative.text_count = narrative.post_count = 0
    narrative.save()
    into.tags = sorted(set(into.tags) | set(narrative.tags))
    if not into.title:
        into.title = narrative.title
    _recompute(into)
    audit_record(
        action="monitoring.narrative.merge",
        obj=into,
        organisation=into.organisation_id,
        after={"merged": narrative.pk, "into": into.pk},
        actor_user=by,
    )
    return into


@transaction.atomic
def narrative_split(
    *, narrative: Narrative, post_ids: Sequence[int], title: str = "", by: User
) -> Narrative:
    """Move the selected posts (with every post of the same texts) to a new narrative."""
    posts = Post.objects.filter(narrative=narrative, pk__in=post_ids)
    text_ids: set[int] = set(
        posts.exclude(content=None).values_list("content__representative_id", flat=True)  # type: ignore[arg-type]
    )
    text_ids |= set(posts.filter(content__representative=None).values_list("content_id", flat=True))
    text_ids.discard(None)  # type: ignore[arg-type]
    if not text_ids:
        raise ValidationError(_("Select at least one processed post of this narrative."))
    if (
        NarrativeMember.objects.filter(narrative=narrative).exclude(text_id__in=text_ids).count()
        == 0
    ):
        raise ValidationError(_("A split must leave some posts in the narrative."))
    new = Narrative.objects.create(
        organisation_id=narrative.organisation_id,
        title=title.strip()[:200],
        tags=list(narrative.tags),
        status=Narrative.Status.ACTIVE,
    )
    NarrativeMember.objects.filter(narrative=narrative, text_id__in=text_ids).update(narrative=new)
    Post.objects.filter(narrative=narrative).filter(_of_texts(text_ids)).update(narrative=new)
    _recompute(new)
    _recompute(narrative)
    audit_record(
        action="monitoring.narrative.split",
        obj=narrative,
        organisation=narrative.organisation_id,
        after={"new": new.pk, "texts": sorted(text_ids)},
        actor_user=by,
    )
    return new


def _of_texts(text_ids: set[int]) -> Q:
    return Q(content_id__in=text_ids) | Q(content__representative_id__in=text_ids)


# ---------------------------------------------------------------------------- escalation


def _escalation_text(post: Post | None, narrative: Narrative | None) -> tuple[str, str]:
    if post is not None:
        return post.text, post.language
    assert narrative is not None
    top = narrative.posts.order_by("-id").first()
    title = narrative.title or (top.text[:200] if top else str(narrative))
    return title, (top.language if top else "")


def _to_case(
    *, organisation: Organisation, post: Post | None, narrative: Narrative | None, by: User
) -> tuple[str, str]:
    from sitroom.cases.services import case_create_from_monitoring  # lazy: another app

    text, _language = _escalation_text(post, narrative)
    case = case_create_from_monitoring(
        organisation=organisation, post=post, narrative=narrative, title=text[:200], by=by
    )
    return f"cases.case:{case.pk}", _url_or_blank("cases:detail", case.pk)


def _url_or_blank(name: str, pk: int) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _to_claim(
    *, organisation: Organisation, post: Post | None, narrative: Narrative | None, by: User
) -> tuple[str, str]:
    from sitroom.factchecks import services as fc_services  # lazy: factchecks is another app

    text, language = _escalation_text(post, narrative)
    sources = [("post", str(post.pk), post.url)] if post is not None else []
    claim = fc_services.claim_create(
        text=text,
        language=language,
        claimant=post.author if post else "",
        appeared_in=post.source.name if post else "",
        appearance_url=post.url if post else "",
        appeared_at=post.published_at if post else None,
        organisation=organisation,
        by=by,
        sources=sources,
    )
    return f"factchecks.claim:{claim.pk}", _url_or_blank("factchecks:claim_detail", claim.pk)


@transaction.atomic
def escalate(
    *,
    organisation: Organisation,
    target: str,
    by: User,
    post: Post | None = None,
    narrative: Narrative | None = None,
    note: str = "",
) -> Escalation:
    """Hand a post or a narrative to a new case or fact-check claim (audited)."""
    if (post is None) == (narrative is None):
        raise ValidationError(_("Escalate either a post or a narrative."))
    # One escalation per post or narrative and target: a second click (or a second monitor)
    # gets the first one, not a second claim for the same text. The row lock orders them.
    if post is not None:
        Post.objects.select_for_update().filter(pk=post.pk).first()
    else:
        Narrative.objects.select_for_update().filter(pk=narrative.pk).first()  # type: ignore[union-attr]
    earlier = Escalation.objects.filter(
        organisation=organisation, post=post, narrative=narrative, target=target
    ).first()
    if earlier is not None:
        return earlier
    if target == Escalation.Target.CASE:
        ref, url = _to_case(organisation=organisation, post=post, narrative=narrative, by=by)
    elif target == Escalation.Target.CLAIM:
        ref, url = _to_claim(organisation=organisation, post=post, narrative=narrative, by=by)
    else:
        raise ValidationError(_("Unknown escalation target."))
    escalation = Escalation.objects.create(
        organisation=organisation,
        post=post,
        narrative=narrative,
        target=target,
        target_ref=ref,
        target_url=url,
        note=note[:2000],
        created_by=by,
    )
    audit_record(
        action="monitoring.escalate",
        obj=escalation,
        organisation=organisation,
        after={
            "post": post.pk if post else None,
            "narrative": narrative.pk if narrative else None,
            **escalation.describe(),
        },
        actor_user=by,
    )
    return escalation


# ------------------------------------------------------------------------------ polling


def source_poll_now(*, source_id: int) -> int:
    """Fetch what is new at one source and ingest it; returns the number of new posts.

    A failed fetch is not raised: the source backs off on its own schedule (exponential, or
    the service's Retry-After), and the error shows on the sources page.
    """
    from sitroom.monitoring.connectors import CONNECTORS, FetchError

    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None or source.kind not in CONNECTORS:
        return 0
    try:
        result = CONNECTORS[source.kind](source.config, dict(source.cursor))
    except FetchError as exc:
        logger.warning("poll of source %s failed: %s", source.pk, exc)
        source_poll_failed(source=source, error=str(exc), retry_after=exc.retry_after)
        return 0
    except (KeyError, ValueError) as exc:
        source_poll_failed(source=source, error=f"bad settings or payload: {exc!r}")
        return 0
    created = 0
    for start in range(0, len(result.items), 500):
        chunk = result.items[start : start + 500]
        created += sum(r.status == "created" for r in posts_ingest(source=source, items=chunk))
    source_poll_succeeded(source=source, cursor=result.cursor)
    return created


def sources_due(*, now: Any = None) -> list[int]:
    """Claim the sources whose next poll is due (conditional update: one claimer wins)."""
    now = now or timezone.now()
    claimed = []
    due = Source.objects.filter(enabled=True, next_poll_at__lte=now).exclude(
        kind__in=[SourceKind.UPLOAD, SourceKind.PUSH]
    )
    for source in due.only("id", "next_poll_at", "poll_interval_seconds"):
        taken = Source.objects.filter(pk=source.pk, next_poll_at=source.next_poll_at).update(
            next_poll_at=now + timedelta(seconds=source.poll_interval_seconds)
        )
        if taken:
            claimed.append(source.pk)
    return claimed
