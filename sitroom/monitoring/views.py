"""The monitors' workspace: stream, posts, narratives, parked posts, sources and uploads."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sitroom.accounts.models import Role
from sitroom.accounts.selectors import signed_in_user, user_roles
from sitroom.lib.values import database_id
from sitroom.monitoring import selectors, services
from sitroom.monitoring.connectors.tabular import FIELDS, map_rows, read_table
from sitroom.monitoring.forms import (
    SIGNAL_CHOICES,
    EscalateForm,
    LabelForm,
    MappingForm,
    MergeForm,
    NarrativeEditForm,
    SourceForm,
    SplitForm,
    StreamFilterForm,
    UploadForm,
)
from sitroom.monitoring.items import ItemError
from sitroom.monitoring.models import Narrative, PostState, SavedMapping, SourceKind

STREAM_POLL_SECONDS = 5


@login_required
def index(request: HttpRequest) -> HttpResponse:
    orgs = list(selectors.monitoring_organisations(request.user))
    if not orgs:
        raise Http404
    if len(orgs) == 1:
        return redirect("monitoring:stream", orgs[0].slug)
    return render(request, "monitoring/index.html", {"organisations": orgs})


@login_required
def stream(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    form = StreamFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.filters()
    # With a filter it cannot read, the page says so and lists nothing, rather than a list
    # that looks filtered and is not.
    posts = selectors.stream(org, filters) if valid else []
    query = urlencode({k: str(v) for k, v in request.GET.items() if k != "partial" and v})
    context = {
        "org": org,
        "posts": posts,
        "form": form,
        "filters": filters,
        "facets": selectors.stream_facets(org),
        "counts": selectors.pipeline_counts(org),
        "query": query,
        "poll_seconds": STREAM_POLL_SECONDS,
        "signals": SIGNAL_CHOICES,
        "narratives": selectors.narratives_for(org)[:50],
    }
    status = 200 if valid else 400
    if request.GET.get("partial") and getattr(request, "htmx", False):
        return render(request, "monitoring/_stream_rows.html", context, status=status)
    return render(request, "monitoring/stream.html", context, status=status)


@login_required
def post_detail(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    post = selectors.post_of(org, post_id)
    return render(
        request,
        "monitoring/post.html",
        {
            "org": org,
            "post": post,
            "signals": selectors.post_signals(post),
            "labels": selectors.post_labels(post),
            "label_form": LabelForm(),
            "escalate_form": EscalateForm(),
            "escalations": post.escalation_set.all(),  # type: ignore[attr-defined]
        },
    )


@login_required
@require_POST
def post_label(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    post = selectors.post_of(org, post_id)
    form = LabelForm(request.POST)
    if form.is_valid():
        services.post_label(
            post=post,
            task=form.cleaned_data["task"],
            positive=form.cleaned_data["value"] == "yes",
            by=signed_in_user(request),
        )
        messages.success(request, _("Label saved. Thank you: the classifiers learn from it."))
    else:
        messages.error(request, _("Choose a question and an answer."))
    return redirect("monitoring:post", org.slug, post.pk)


@login_required
@require_POST
def post_escalate(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    post = selectors.post_of(org, post_id)
    return _escalate(request, org, post=post, back=reverse("monitoring:post", args=[slug, post.pk]))


@login_required
@require_POST
def post_retry(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    post = selectors.post_of(org, post_id)
    try:
        services.post_retry(post=post, by=signed_in_user(request))
        messages.success(request, _("The post is back in the pipeline."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("monitoring:parked", org.slug)


def _escalate(
    request: HttpRequest, org: Any, *, back: str, post: Any = None, narrative: Any = None
) -> HttpResponse:
    form = EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose where to escalate."))
        return redirect(back)
    try:
        escalation = services.escalate(
            organisation=org,
            target=form.cleaned_data["target"],
            post=post,
            narrative=narrative,
            note=form.cleaned_data["note"],
            by=signed_in_user(request),
        )
    except (ValidationError, ImportError) as exc:
        messages.error(
            request,
            " ".join(exc.messages) if isinstance(exc, ValidationError) else _("Not available yet."),
        )
        return redirect(back)
    messages.success(
        request,
        _("Escalated to %(target)s (%(ref)s).")
        % {"target": escalation.get_target_display(), "ref": escalation.target_ref},  # type: ignore[attr-defined]
    )
    return redirect(back)


@login_required
def parked(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    return render(
        request,
        "monitoring/parked.html",
        {"org": org, "posts": selectors.parked_posts(org)[:200]},
    )


@login_required
def narratives(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    show_all = bool(request.GET.get("all"))
    items = selectors.narratives_for(org, include_candidates=show_all, q=request.GET.get("q", ""))[
        :200
    ]
    return render(
        request,
        "monitoring/narratives.html",
        {"org": org, "narratives": items, "show_all": show_all, "q": request.GET.get("q", "")},
    )


def volume_chart(
    points: list[tuple[Any, int]], *, width: int = 720, height: int = 160
) -> dict[str, Any]:
    """Bars for an inline SVG (server-rendered; no JavaScript)."""
    peak = max((n for _t, n in points), default=0) or 1
    slot = width / max(len(points), 1)
    bars = []
    for i, (hour, n) in enumerate(points):
        h = round((height - 20) * n / peak, 1)
        bars.append(
            {
                "x": round(i * slot + 1, 1),
                "y": round(height - 16 - h, 1),
                "w": round(max(slot - 2, 1), 1),
                "h": h,
                "n": n,
                "hour": hour,
            }
        )
    labels = [b for i, b in enumerate(bars) if i % max(len(bars) // 6, 1) == 0]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "peak": peak,
        "total": sum(n for _t, n in points),
    }


@login_required
def narrative_detail(request: HttpRequest, slug: str, narrative_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    narrative = selectors.narrative_of(org, narrative_id)
    if narrative.status == Narrative.Status.MERGED and narrative.merged_into_id:  # type: ignore[attr-defined]
        return redirect("monitoring:narrative", org.slug, narrative.merged_into_id)  # type: ignore[attr-defined]
    others = [
        (n.pk, str(n))
        for n in selectors.narratives_for(org, include_candidates=True).exclude(pk=narrative.pk)[
            :100
        ]
    ]
    return render(
        request,
        "monitoring/narrative.html",
        {
            "org": org,
            "narrative": narrative,
            "chart": volume_chart(selectors.narrative_volume(narrative)),
            "summary": selectors.narrative_summary(narrative),
            "posts": narrative.posts.filter(state=PostState.DONE).order_by("-id")[:100],
            "edit_form": NarrativeEditForm(
                initial={"title": narrative.title, "tags": ", ".join(narrative.tags)}
            ),
            "merge_form": MergeForm(choices=others),
            "split_form": SplitForm(),
            "escalate_form": EscalateForm(),
        },
    )


@login_required
@require_POST
def narrative_edit(request: HttpRequest, slug: str, narrative_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    narrative = selectors.narrative_of(org, narrative_id)
    form = NarrativeEditForm(request.POST)
    if form.is_valid():
        services.narrative_update(
            narrative=narrative,
            title=form.cleaned_data["title"],
            tags=form.cleaned_data["tags"].split(","),
            by=signed_in_user(request),
        )
        messages.success(request, _("Narrative saved."))
    return redirect("monitoring:narrative", org.slug, narrative.pk)


@login_required
@require_POST
def narrative_merge(request: HttpRequest, slug: str, narrative_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    narrative = selectors.narrative_of(org, narrative_id)
    into = selectors.narrative_of(org, database_id(request.POST.get("into")) or 0)
    try:
        services.narrative_merge(narrative=narrative, into=into, by=signed_in_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("monitoring:narrative", org.slug, narrative.pk)
    messages.success(request, _("Narratives merged."))
    return redirect("monitoring:narrative", org.slug, into.pk)


@login_required
@require_POST
def narrative_split(request: HttpRequest, slug: str, narrative_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    narrative = selectors.narrative_of(org, narrative_id)
    post_ids = [i for i in (database_id(v) for v in request.POST.getlist("post")) if i]
    try:
        new = services.narrative_split(
            narrative=narrative,
            post_ids=post_ids,
            title=request.POST.get("title", ""),
            by=signed_in_user(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("monitoring:narrative", org.slug, narrative.pk)
    messages.success(request, _("The selected posts now form a narrative of their own."))
    return redirect("monitoring:narrative", org.slug, new.pk)


@login_required
@require_POST
def narrative_escalate(request: HttpRequest, slug: str, narrative_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    narrative = selectors.narrative_of(org, narrative_id)
    return _escalate(
        request,
        org,
        narrative=narrative,
        back=reverse("monitoring:narrative", args=[slug, narrative.pk]),
    )


# ------------------------------------------------------------------------- sources, uploads


@login_required
def sources(request: HttpRequest, slug: str) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    can_manage = Role.ADMIN in user_roles(request.user, org)
    form = SourceForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                source = services.source_create(
                    organisation=org,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    config=form.config(),
                    region=form.cleaned_data["region"],
                    poll_interval_seconds=form.cleaned_data["poll_minutes"] * 60,
                    enabled=form.cleaned_data["kind"] not in (SourceKind.UPLOAD, SourceKind.PUSH),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Source “%(name)s” added.") % {"name": source.name})
                return redirect("monitoring:sources", slug=org.slug)
    return render(
        request,
        "monitoring/sources.html",
        {
            "org": org,
            "sources": selectors.org_sources(org),
            "can_upload": bool(user_roles(request.user, org) & selectors.PUSH_ROLES),
            "can_manage": can_manage,
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def source_toggle(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    if Role.ADMIN not in user_roles(request.user, org):
        raise Http404
    source = selectors.source_of(org, source_id)
    services.source_set_enabled(source=source, enabled=not source.enabled)
    return redirect("monitoring:sources", slug=org.slug)


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "monitoring-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _import(request: HttpRequest, source: Any, data: bytes, mapping: dict[str, str]) -> int:
    table = read_table(data)
    items, errors = [], []
    for n, item, error in map_rows(table, mapping):
        if item is None:
            errors.append(f"{n}: {error}")
        else:
            items.append(item)
    created = 0
    for start in range(0, len(items), 500):
        results = services.posts_push(
            source=source,
            items=items[start : start + 500],
            by=signed_in_user(request),
            rejected=len(errors) if start == 0 else 0,
        )
        created += sum(r.status == "created" for r in results)
    messages.success(
        request,
        _("%(created)d new posts imported, %(dup)d already known, %(bad)d rows skipped.")
        % {"created": created, "dup": len(items) - created, "bad": len(errors)},
    )
    if errors:
        messages.warning(request, _("Skipped rows: %(rows)s") % {"rows": "; ".join(errors[:10])})
    return created


@login_required
def upload(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    """Step 1: the file (and optionally a saved mapping). Step 2: choose the columns."""
    org = selectors.workspace_for(request.user, slug)
    if not user_roles(request.user, org) & selectors.PUSH_ROLES:
        raise Http404
    source = selectors.source_of(org, source_id)
    if source.kind not in (SourceKind.UPLOAD, SourceKind.TELEGRAM):
        raise Http404
    saved = {m.pk: m for m in SavedMapping.objects.filter(organisation=org)}
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        mappings=[(k, m.name) for k, m in saved.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            if source.kind == SourceKind.TELEGRAM:
                return _import_telegram(request, org, source, data)
            table = read_table(data)
        except (ItemError, ValueError) as exc:
            form.add_error("file", str(exc))
        else:
            chosen = saved.get(form.cleaned_data["mapping"] or 0)
            if chosen is not None:
                try:
                    _import(request, source, data, chosen.mapping)
                    return redirect("monitoring:sources", org.slug)
                except ItemError as exc:
                    form.add_error("mapping", str(exc))
            else:
                token = secrets.token_urlsafe(16)
                (_upload_dir() / f"{org.pk}-{request.user.pk}-{token}").write_bytes(data)
                mapping_form = MappingForm(
                    initial={"token": token, **_guess(table.columns)}, columns=table.columns
                )
                return render(
                    request,
                    "monitoring/upload_mapping.html",
                    {
                        "org": org,
                        "source": source,
                        "form": mapping_form,
                        "columns": table.columns,
                        "preview": table.rows[:5],
                        "fields": FIELDS,
                    },
                )
    return render(request, "monitoring/upload.html", {"org": org, "source": source, "form": form})


def _guess(columns: list[str]) -> dict[str, str]:
    """Pre-select the obvious columns (text/message/content, id, date/created_at ...)."""
    guesses = {
        "text": ("text", "message", "content", "body", "full_text"),
        "id": ("id", "post_id", "message_id", "tweet_id"),
        "date": ("date", "created_at", "published_at", "timestamp", "time"),
        "author": ("author", "user", "username", "account", "handle", "screen_name"),
        "url": ("url", "link", "permalink"),
        "language": ("language", "lang"),
        "region": ("region", "location", "country"),
    }
    lower = {c.lower(): c for c in columns}
    out = {}
    for field, names in guesses.items():
        for name in names:
            if name in lower:
                out[field] = lower[name]
                break
    return out


@login_required
@require_POST
def upload_mapping(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    org = selectors.workspace_for(request.user, slug)
    if not user_roles(request.user, org) & selectors.PUSH_ROLES:
        raise Http404
    source = selectors.source_of(org, source_id)
    token = request.POST.get("token", "")
    if not token.replace("-", "").replace("_", "").isalnum():
        raise Http404
    path = _upload_dir() / f"{org.pk}-{request.user.pk}-{token}"
    if not path.exists():
        messages.error(request, _("The upload expired; please send the file again."))
        return redirect("monitoring:upload", org.slug, source.pk)
    data = path.read_bytes()
    table = read_table(data)
    form = MappingForm(request.POST, columns=table.columns)
    if not form.is_valid():
        return render(
            request,
            "monitoring/upload_mapping.html",
            {
                "org": org,
                "source": source,
                "form": form,
                "columns": table.columns,
                "preview": table.rows[:5],
                "fields": FIELDS,
            },
        )
    mapping = {f: form.cleaned_data[f] for f in FIELDS if form.cleaned_data.get(f)}
    if form.cleaned_data["date_format"]:
        mapping["date_format"] = form.cleaned_data["date_format"]
    try:
        _import(request, source, data, mapping)
    except ItemError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:upload", org.slug, source.pk)
    if form.cleaned_data["save_as"]:
        services.mapping_save(
            organisation=org,
            name=form.cleaned_data["save_as"],
            mapping=mapping,
            by=signed_in_user(request),
        )
    path.unlink(missing_ok=True)
    return redirect("monitoring:sources", org.slug)


def _import_telegram(request: HttpRequest, org: Any, source: Any, data: bytes) -> HttpResponse:
    from sitroom.monitoring.connectors.telegram import parse_export

    try:
        export = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ItemError(_("This is not a Telegram JSON export (result.json).")) from None
    items, _newest = parse_export(export, channel=source.config.get("channel", ""))
    results = services.posts_push(source=source, items=items, by=signed_in_user(request))
    created = sum(r.status == "created" for r in results)
    messages.success(
        request,
        _("%(created)d new posts imported, %(dup)d already known.")
        % {"created": created, "dup": len(items) - created},
    )
    return redirect("monitoring:sources", org.slug)
