"""The processing pipeline for public posts.

For a claimed batch of posts:

1. normalise the text and URL, and attach each post to its *distinct text* (exact-duplicate
   key); a distinct text seen for the first time is checked for near-duplicates (MinHash LSH)
   and, if it is one, points to its representative and reuses its expensive results;
2. cheap steps on every new distinct text: language (py3langid), election relevance
   (watchlist), hate lexicon;
3. one embedding call for the batch's new representative texts *in scope* (by default the
   election-relevant ones and those with a lexicon hit: ``SITROOM_PIPELINE_SCOPE``), then the
   classifiers (hate, toxicity, check-worthiness) and fact-check matching on those vectors;
4. narratives (nearest centroid or a new candidate), then the posts are finalised and become
   visible, and ``post_processed`` fires.

Every text-level step stores a ``StepResult`` keyed on (text, step, model version) and is
skipped when that row exists, so rerunning a batch after a crash costs nothing twice. A batch
that fails is retried post by post, so one bad post is retried and finally parked, alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import inspect
import logging
import os
import re
import socket
import time
import traceback
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from sitroom.lib import fingerprint
from sitroom.lib.db import bulk_set, insert_ignore, select_in
from sitroom.monitoring import conf
from sitroom.monitoring.models import (
    CLASSIFIER_FIELDS,
    MID_SUFFIX,
    DistinctText,
    LshKey,
    Post,
    PostState,
    StepResult,
)
from sitroom.monitoring.signals import post_processed
from sitroom.nlp.classifiers.base import LABELS
from sitroom.nlp.classifiers.features import clean_for_model

logger = logging.getLogger("sitroom.monitoring.pipeline")

WORKER_ID = f"{socket.gethostname()[:40]}-{os.getpid()}"
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")


def normalise_text(text: str) -> str:
    """NFC, control and zero-width characters out, runs of spaces squeezed."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def normalise_url(url: str) -> str:
    if not url:
        return ""
    try:
        from sitroom.lib.urls import canonical_url
    except ImportError:  # pragma: no cover - the helper ships with reports
        return url.strip()
    try:
        return canonical_url(url)[:1000]
    except Exception:
        return url.strip()[:1000]


# ------------------------------------------------------------------ models behind the steps


def _embed_input(text: str) -> str:
    """What the embedder sees: the classifiers' own cleaning (cached), so their vectors are
    reused."""
    return clean_for_model(text)


@functools.cache
def _lexicon() -> Any | None:
    from sitroom.nlp import lexicon

    if conf.HATE_LEXICON:
        return lexicon.LexiconMatcher.build(lexicon.read_csv(conf.HATE_LEXICON))
    default = getattr(lexicon, "default_matcher", None)
    return default() if callable(default) else None


def _classifier(task: str) -> Any | None:
    """The active classifier for ``task``, or None while none is available (step skipped)."""
    from sitroom.nlp.classifiers import ModelNotFoundError, load_classifier

    try:
        return load_classifier(task)
    except ModelNotFoundError:
        return None


def _mid_wanted() -> bool:
    """Whether an active classifier reads mid vectors (then every text gets them)."""
    from sitroom.nlp.classifiers.base import TASKS

    return any(getattr(_classifier(task), "needs_mid", False) for task in TASKS)


def _matching_wanted() -> bool:
    """Whether any published fact-check is indexed (else matching has nothing to find)."""
    from sitroom.factchecks.index import index_is_empty

    return not index_is_empty()


def _jsonable_match(match: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(match) and not isinstance(match, type):
        data = {f.name: getattr(match, f.name) for f in dataclasses.fields(match)}
    elif isinstance(match, dict):
        data = dict(match)
    else:
        data = dict(vars(match))
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool | type(None))}


# ------------------------------------------------------------------------------ the steps


@dataclasses.dataclass
class BatchVectors:
    """A batch's embeddings, from one call: ``classifier`` for the classifiers and narratives
    (stored on the text), ``matching`` for fact-check matching, which cleans text its own way
    (hashtags split into words); the two are the same vector when the cleaned texts agree."""

    classifier: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)
    matching: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)
    # The texts' mid vectors (middle layers), from the same pass, when a classifier reads
    # them (``needs_mid``: the check-worthiness routes that chose them).
    mid: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)


class Step:
    """A text-level step: ``run`` returns one JSON result (or None: nothing to store) per text."""

    name = ""
    representatives_only = False

    def available(self) -> bool:
        return True

    def model(self) -> tuple[str, str]:
        """(model name, model version)"""
        raise NotImplementedError

    def run(self, texts: Sequence[DistinctText], vectors: BatchVectors) -> list[Any]:
        raise NotImplementedError


class LanguageStep(Step):
    name = "language"

    def model(self) -> tuple[str, str]:
        import py3langid

        # Hindi in Latin letters is found by word lists first (sitroom.nlp.romanised).
        return "py3langid", getattr(py3langid, "__version__", "0.4") + "+hi-latn"

    def run(self, texts: Sequence[DistinctText], vectors: BatchVectors) -> list[Any]:
        from sitroom.nlp.langid import identify

        out = []
        for t in texts:
            lang, confidence = identify(t.text[:1000])
            out.append({"language": lang, "confidence": round(confidence, 4)})
        return out


class RelevanceStep(Step):
    name = "relevance"

    def model(self) -> tuple[str, str]:
        from sitroom.monitoring.watchlist import current_matcher

        return "watchlist", current_matcher().version

    def run(self, texts: Sequence[DistinctText], vectors: BatchVectors) -> list[Any]:
        from sitroom.monitoring.watchlist import current_matcher

        matcher = current_matcher()
        out = []
        for t in texts:
            hits = matcher.match(t.text, t.language)
            out.append(
                {
                    "relevant": bool(hits),
                    "terms": [{"term": h.term, "kind": h.kind, "entity": h.entity} for h in hits],
                }
            )
        return out


class LexiconStep(Step):
    name = "lexicon"

    def available(self) -> bool:
        return _lexicon() is not None

    def model(self) -> tuple[str, str]:
        matcher = _lexicon()
        terms = ",".join(sorted(e.term for e in matcher.entries)) if matcher else ""
        return "hate-lexicon", hashlib.sha256(terms.encode()).hexdigest()[:12]

    def run(self, texts: Sequence[DistinctText], vectors: BatchVectors) -> list[Any]:
        matcher = _lexicon()
        assert matcher is not None
        out = []
        for t in texts:
            hits = matcher.match(t.text)
            out.append(
                {
                    "hits": [
                        {
                            "term": h.entry.term,
                            "surface": h.surface,
                            "start": h.start,
                            "end": h.end,
                            "severity": h.entry.severity,
                            "target_group": h.entry.target_group,
                        }
                        for h in hits
                    ]
                }
            )
        return out


class ClassifierStep(Step):
    representatives_only = True

    def __init__(self, task: str) -> None:
        self.name = task

    def available(self) -> bool:
        return _classifier(self.name) is not None

    def model(self) -> tuple[str, str]:
        clf = _classifier(self.name)
        assert clf is not None
        return str(clf.name), str(clf.version)

    def run(self, texts: Sequence[DistinctText], vectors: BatchVectors) -> list[Any]:
        clf = _classifier(self.name)
        assert clf is not None
        mid = bool(getattr(clf, "needs_mid", False))
        by_input = {
            _embed_input(t.text): (
                np.concatenate([vectors.classifier[t.pk], vectors.mid[t.pk]])
                if mid
                else vectors.classifier[t.pk]
            )
            for t in texts
            if t.pk in vectors.classifier and (not mid or t.pk in vectors.mid)
        }

        def embed_fn(cleaned: Sequence[str]) -> np.ndarray:
            missing = [c for c in cleaned if c not in by_input]
            if missing:  # the classifier cleaned differently: encode what we lack
                from sitroom.nlp.embedder import classifier_features, get_embedder

                features = classifier_features(get_embedder(), missing, mid=mid)
                for c, v in zip(missing, features, strict=True):
                    by_input[c] = v
            return np.stack([by_input[c] for c in cleaned]).astype(np.float32)

        raw = [t.text for t in texts]
        if "embed_fn" in inspect.signature(clf.predict).parameters:
            predictions = clf.predict(raw, embed_fn=embed_fn)
        else:
            predictions = clf.predict(raw)
        return [
            {
                "label": p.label,
                "score": round(float(p.score), 4),
                "evidence": list(p.evidence)[:6],
                "target_group": p.target_group,
            }
            for p in predictions
        ]


class FactCheckStep(Step):
    name = "factcheck"
    representatives_only = True

    def model(self) -> tuple[str, str]:
        # Results are kept per day: a text seen again on a later day (a repost) is matched
        # again, against the fact-checks published since; within a day a rerun is free.
        return "factchecks", f"day-{timezone.now().date().isoformat()}"

    def run(self, texts: Sequence[DistinctText], vectors: BatchVectors) -> list[Any]:
        from sitroom.factchecks.selectors import factchecks_matching_many

        checkworthy = dict(
            StepResult.objects.filter(text__in=texts, step="checkworthy").values_list(
                "text_id", "result__score"
            )
        )
        # Only texts about the election or worth checking are matched.
        todo = [t for t in texts if t.is_relevant or float(checkworthy.get(t.pk) or 0.0) >= 0.5]
        found = factchecks_matching_many(
            [t.text for t in todo],
            languages=[t.language or None for t in todo],
            vectors=[vectors.matching.get(t.pk) for t in todo],
            limit=3,
        )
        by_text = {t.pk: m for t, m in zip(todo, found, strict=True)}
        return [
            {"matches": [_jsonable_match(m) for m in by_text[t.pk]]}
            if t.pk in by_text
            else {"matches": [], "skipped": "not relevant or check-worthy"}
            for t in texts
        ]


def default_steps() -> list[Step]:
    return [
        LanguageStep(),
        RelevanceStep(),
        LexiconStep(),
        ClassifierStep("hate"),
        ClassifierStep("toxicity"),
        ClassifierStep("checkworthy"),
        FactCheckStep(),
    ]


# Tests swap steps here (e.g. one that fails) to exercise parking.
STEPS: list[Step] = default_steps()


# Seconds spent per stage in this process (read by benchmarks/pipeline.py; cheap to keep).
STAGE_SECONDS: dict[str, float] = {}


@contextlib.contextmanager
def _timed(stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS[stage] = STAGE_SECONDS.get(stage, 0.0) + time.perf_counter() - start


# --------------------------------------------------------------------------- claiming work


def _ready(now: Any) -> Q:
    stale = now - timedelta(seconds=conf.PIPELINE_CLAIM_STALE_SECONDS)
    fresh = Q(state=PostState.NEW) & (Q(retry_after__isnull=True) | Q(retry_after__lte=now))
    return fresh | Q(state=PostState.PROCESSING, claimed_at__lt=stale)


def posts_claim(*, worker: str = WORKER_ID, limit: int | None = None) -> tuple[str, list[int]]:
    """Take up to ``limit`` waiting posts (or posts a dead worker left) for this worker.

    The claim is a conditional UPDATE that repeats the "still waiting" test, so two workers
    racing for the same rows never both get one: the loser's UPDATE matches nothing.
    """
    limit = limit or conf.PIPELINE_BATCH
    now = timezone.now()
    token = f"{worker}:{uuid.uuid4().hex[:10]}"
    ready = _ready(now)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                Post.objects.select_for_update(skip_locked=True)
                .filter(ready)
                .order_by("id")
                .values_list("id", flat=True)[:limit]
            )
            Post.objects.filter(id__in=ids).update(
                state=PostState.PROCESSING, claimed_by=token, claimed_at=now, claims=F("claims") + 1
            )
        return token, ids
    candidates = list(
        Post.objects.filter(ready).order_by("id").values_list("id", flat=True)[:limit]
    )
    if not candidates:
        return token, []
    Post.objects.filter(ready, id__in=candidates).update(
        state=PostState.PROCESSING, claimed_by=token, claimed_at=now, claims=F("claims") + 1
    )
    return token, list(
        Post.objects.filter(claimed_by=token, state=PostState.PROCESSING)
        .order_by("id")
        .values_list("id", flat=True)
    )


# ---------------------------------------------------------------------------- the batch


def _attach_distinct_texts(posts: list[Post]) -> dict[int, DistinctText]:
    """Each post's distinct text (created when new). Returns post id -> text."""
    keys: dict[int, str] = {}
    texts_by_key: dict[str, str] = {}
    for p in posts:
        clean = normalise_text(p.text)
        key = fingerprint.exact_key(clean)
        keys[p.pk] = key
        texts_by_key.setdefault(key, clean)
    existing = {d.exact_key: d for d in DistinctText.objects.filter(exact_key__in=texts_by_key)}
    new = [DistinctText(exact_key=k, text=t) for k, t in texts_by_key.items() if k not in existing]
    if new:
        DistinctText.objects.bulk_create(new, ignore_conflicts=True)
        existing.update(
            {
                d.exact_key: d
                for d in DistinctText.objects.filter(exact_key__in=[n.exact_key for n in new])
            }
        )
    return {pid: existing[key] for pid, key in keys.items()}


def _near_duplicates(texts: list[DistinctText]) -> None:
    """Give each text without a MinHash one, and a representative if it is a near-duplicate."""
    fresh = sorted((t for t in texts if t.minhash is None), key=lambda t: t.pk)
    if not fresh:
        return
    sigs = {t.pk: fingerprint.minhash(t.text) for t in fresh}
    keys = {t.pk: fingerprint.lsh_keys(sigs[t.pk]) for t in fresh}
    all_keys = {k for ks in keys.values() for k in ks}
    fresh_ids = set(sigs)
    buckets: dict[int, set[int]] = {}
    for key, text_id in select_in(LshKey, ["key", "text_id"], "key", all_keys):
        if text_id not in fresh_ids:
            buckets.setdefault(key, set()).add(text_id)
    candidate_ids = {i for ids in buckets.values() for i in ids}
    known: dict[int, tuple[fingerprint.Signature, int | None]] = {
        d["id"]: (
            fingerprint.signature_from_bytes(bytes(d["minhash"] or b"")),
            d["representative_id"],
        )
        for d in DistinctText.objects.filter(id__in=candidate_ids, minhash__isnull=False).values(
            "id", "minhash", "representative_id"
        )
    }
    new_keys: list[tuple[int, int]] = []
    for t in fresh:
        best: tuple[float, int] | None = None
        for cand in {i for k in keys[t.pk] for i in buckets.get(k, ())}:
            if cand not in known:
                continue
            sim = fingerprint.similarity(sigs[t.pk], known[cand][0])
            if sim >= fingerprint.NEAR_DUPLICATE_SIMILARITY and (best is None or sim > best[0]):
                best = (sim, known[cand][1] or cand)
        t.minhash = fingerprint.signature_to_bytes(sigs[t.pk])
        t.representative_id = best[1] if best else None  # type: ignore[attr-defined]
        # Later texts of this batch may be near-duplicates of this one.
        known[t.pk] = (sigs[t.pk], best[1] if best else None)
        for k in keys[t.pk]:
            buckets.setdefault(k, set()).add(t.pk)
            new_keys.append((k, t.pk))
    with transaction.atomic():
        insert_ignore(LshKey, ["key", "text_id"], new_keys)
        bulk_set(fresh, ["minhash", "representative"])


def _embed(reps: list[DistinctText]) -> BatchVectors:
    """The batch's vectors, every one missing encoded in ONE call.

    Classifier vectors are stored on the text (a rerun reuses them). Matching vectors are
    taken from the classifiers' vector where the two inputs differ only by split hashtags,
    and otherwise computed for the election-relevant texts, the ones matching will certainly
    look at; none while no fact-check is indexed.
    """
    from sitroom.nlp.embedder import classifier_features, get_embedder
    from sitroom.nlp.matching import query_input

    embedder = get_embedder()
    mid = _mid_wanted()
    dim = embedder.dim
    # With mid vectors the stored bytes hold both (vector, then mid vector).
    model = f"{embedder.name}:{embedder.version}" + (MID_SUFFIX if mid else "")
    out = BatchVectors()
    todo: list[DistinctText] = []
    for t in reps:
        v, m = t.vector(), t.mid_vector()
        if t.embedding_model != model or v is None or len(v) != dim:
            todo.append(t)
        else:
            out.classifier[t.pk] = v
            if m is not None:
                out.mid[t.pk] = m
    inputs: dict[str, np.ndarray | None] = {_embed_input(t.text): None for t in todo}
    match_input: dict[int, str] = {}
    for t in reps if _matching_wanted() else ():
        mine, theirs = query_input(t.text), _embed_input(t.text)
        # The classifiers' vector serves matching when the two inputs differ only in what
        # matching's cleaning changes (hashtags split into words): measured on CLEF-2020,
        # unsplit hashtags cost 0.005 MAP@5. A text with a handle, or cut short for the
        # classifiers, gets its own matching vector if it is relevant (else only if it
        # turns out check-worthy, in the matching step).
        if query_input(theirs) == mine:
            match_input[t.pk] = theirs
        elif t.is_relevant:
            match_input[t.pk] = mine
    inputs.update({text: None for text in match_input.values()})
    mids: dict[str, np.ndarray] = {}
    for t in reps:  # stored vectors serve their own input again
        if t.pk in out.classifier:
            inputs[_embed_input(t.text)] = out.classifier[t.pk]
            if mid:
                mids[_embed_input(t.text)] = out.mid[t.pk]
    missing = [text for text, v in inputs.items() if v is None]
    if missing:  # one pass (with mid, matching-only inputs get an unused mid vector)
        features = classifier_features(embedder, missing, mid=mid)
        for text, row in zip(missing, features, strict=True):
            inputs[text] = np.asarray(row[:dim], dtype="<f4")
            if mid:
                mids[text] = np.asarray(row[dim:], dtype="<f4")
    for t in todo:
        v32 = inputs[_embed_input(t.text)]
        assert v32 is not None
        out.classifier[t.pk] = v32
        if mid:
            out.mid[t.pk] = mids[_embed_input(t.text)]
            t.embedding = np.concatenate([v32, out.mid[t.pk]]).astype("<f4").tobytes()
        else:
            t.embedding = v32.tobytes()
        t.embedding_model = model
    if todo:
        bulk_set(todo, ["embedding", "embedding_model"])
    for pk, text in match_input.items():
        v = inputs[text]
        assert v is not None
        out.matching[pk] = v
    return out


def _run_steps(
    texts: list[DistinctText],
    reps: list[DistinctText],
    vectors: BatchVectors,
    *,
    representatives: bool,
) -> None:
    """Run the steps of one phase: the cheap per-text ones, or the ones on representatives."""
    for step in STEPS:
        if step.representatives_only != representatives or not step.available():
            continue
        name, version = step.model()
        targets = reps if step.representatives_only else texts
        done = set(
            StepResult.objects.filter(
                step=step.name, model_version=version, text__in=targets
            ).values_list("text_id", flat=True)
        )
        todo = [t for t in targets if t.pk not in done]
        if not todo:
            continue
        with _timed(step.name):
            results = step.run(todo, vectors)
        with _timed("store"):
            now = timezone.now()
            insert_ignore(
                StepResult,
                ["text_id", "step", "model_name", "model_version", "result", "created_at"],
                [
                    (t.pk, step.name, name, version, r, now)
                    for t, r in zip(todo, results, strict=True)
                    if r is not None
                ],
                prepare=True,
            )
            if step.name == "language":
                for t, r in zip(todo, results, strict=True):
                    t.language, t.language_confidence = r["language"], r["confidence"]
                bulk_set(todo, ["language", "language_confidence"])
            elif step.name == "relevance":
                for t, r in zip(todo, results, strict=True):
                    t.is_relevant, t.matched_terms = r["relevant"], r["terms"]
                bulk_set(todo, ["is_relevant", "matched_terms"])


def _in_scope(
    posts: list[Post], by_post: dict[int, DistinctText], reps: list[DistinctText]
) -> list[DistinctText]:
    """The representatives that get the embedding-based steps (``SITROOM_PIPELINE_SCOPE``).

    With scope "relevant", a representative qualifies when it, or any text of this batch it
    stands for, is election-relevant or hits the hate lexicon, or when one of its posts comes
    from a source set to ``{"scope": "all"}``. The others keep language, relevance and
    lexicon results and are visible, without model scores or a narrative. A representative
    left out now is taken up the first time a later text it stands for qualifies: its
    results are missing, not stored as empty.
    """
    if conf.PIPELINE_SCOPE == "all":
        return reps
    from sitroom.monitoring.models import Source

    texts = {t.pk: t for t in by_post.values()}
    lexicon_hit = {
        text_id
        for text_id, result in StepResult.objects.filter(
            step="lexicon", text_id__in=list(texts)
        ).values_list("text_id", "result")
        if (result or {}).get("hits")
    }
    analyse_all = {
        pk
        for pk, config in Source.objects.filter(
            pk__in={p.source_id for p in posts}  # type: ignore[attr-defined]
        ).values_list("pk", "config")
        if isinstance(config, dict) and config.get("scope") == "all"
    }
    wanted: set[int] = {r.pk for r in reps if r.is_relevant}
    for p in posts:
        t = by_post[p.pk]
        if t.is_relevant or t.pk in lexicon_hit or p.source_id in analyse_all:  # type: ignore[attr-defined]
            wanted.add(t.representative_id or t.pk)  # type: ignore[attr-defined]
    return [r for r in reps if r.pk in wanted]


def latest_results(text_ids: Sequence[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """text id -> step -> result of the newest model version."""
    out: dict[int, dict[str, dict[str, Any]]] = {}
    rows = (
        StepResult.objects.filter(text_id__in=text_ids)
        .order_by("created_at", "id")
        .values_list("text_id", "step", "result", "model_name", "model_version")
    )
    for text_id, step, result, model_name, version in rows:
        out.setdefault(text_id, {})[step] = {
            **result,
            "model": model_name,
            "version": version,
        }
    return out


def _score(result: dict[str, Any] | None) -> float | None:
    return None if result is None else float(result.get("score", 0.0))


def _positive(task: str, result: dict[str, Any] | None) -> bool:
    """The classifier's own decision: its positive label, given at its threshold."""
    return result is not None and result.get("label") == LABELS[task][1]


FINAL_FIELDS = [
    "state", "content", "text", "url", "language", "is_relevant",
    *(field for pair in CLASSIFIER_FIELDS.values() for field in pair),
    "lexicon_hits", "has_factcheck", "is_duplicate",
    "narrative", "c2pa", "processed_at", "processed_by", "last_error", "retry_after",
]  # fmt: skip


def _finalise(
    token: str, posts: list[Post], texts: dict[int, DistinctText], narratives: dict[int, int]
) -> list[int]:
    rep_of = {t.pk: (t.representative_id or t.pk) for t in texts.values()}  # type: ignore[attr-defined]
    results = latest_results(sorted(set(rep_of.values()) | set(rep_of)))
    earlier = set(
        Post.objects.filter(content__in=[t.pk for t in texts.values()], state=PostState.DONE)
        .values_list("content_id", flat=True)
        .distinct()
    )
    seen_in_batch: set[int] = set()
    now = timezone.now()
    worker = token.split(":")[0]
    changed: list[Post] = []
    for p in posts:
        t = texts[p.pk]
        own = results.get(t.pk, {})
        rep = results.get(rep_of[t.pk], {})
        statuses = [m.get("c2pa") for m in p.media if m.get("c2pa")]
        p.state = PostState.DONE
        p.content = t
        p.text = normalise_text(p.text) or p.text
        p.url = normalise_url(p.url)
        p.language = t.language or p.language_hint
        p.is_relevant = t.is_relevant
        for task, (score_field, decision_field) in CLASSIFIER_FIELDS.items():
            setattr(p, score_field, _score(rep.get(task)))
            setattr(p, decision_field, _positive(task, rep.get(task)))
        p.lexicon_hits = len(own.get("lexicon", {}).get("hits", []))
        p.has_factcheck = bool(rep.get("factcheck", {}).get("matches"))
        p.is_duplicate = t.pk in earlier or t.pk in seen_in_batch or rep_of[t.pk] != t.pk
        p.narrative_id = narratives.get(p.pk)  # type: ignore[attr-defined]
        p.c2pa = next((s for s in ("invalid", "present", "absent") if s in statuses), "")
        p.processed_at = now
        p.processed_by = worker
        p.last_error = ""
        p.retry_after = None
        seen_in_batch.add(t.pk)
        changed.append(p)
    with transaction.atomic():
        # Only the holder of the claim finishes a post (a reclaimed post's old holder may
        # still be running after a long pause: its results are the same, its write is not).
        bulk_set(changed, FINAL_FIELDS, where={"claimed_by": token})
        done = list(
            Post.objects.filter(
                pk__in=[p.pk for p in changed], claimed_by=token, state=PostState.DONE
            ).values_list("pk", flat=True)
        )
        if done:
            transaction.on_commit(lambda: post_processed.send(sender=Post, post_ids=done))
    return done


def _process(token: str, posts: list[Post]) -> list[int]:
    from sitroom.monitoring.narratives import assign_narratives

    with _timed("distinct"):
        by_post = _attach_distinct_texts(posts)
        texts = list({t.pk: t for t in by_post.values()}.values())
    with _timed("near_duplicates"):
        _near_duplicates(texts)
    rep_ids = {t.representative_id or t.pk for t in texts}  # type: ignore[attr-defined]
    reps = {t.pk: t for t in texts if t.pk in rep_ids}
    missing = rep_ids - set(reps)
    if missing:
        reps.update({t.pk: t for t in DistinctText.objects.filter(pk__in=missing)})
    rep_list = sorted(reps.values(), key=lambda t: t.pk)
    _run_steps(texts, rep_list, BatchVectors(), representatives=False)
    rep_list = _in_scope(posts, by_post, rep_list)
    with _timed("embedding"):
        vectors = _embed(rep_list)
    _run_steps(texts, rep_list, vectors, representatives=True)
    with _timed("narratives"):
        narratives = assign_narratives(posts, by_post, vectors.classifier)
    with _timed("finalise"):
        return _finalise(token, posts, by_post, narratives)


def _fail(token: str, post: Post, exc: BaseException) -> None:
    attempts = post.attempts + 1
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    parked = attempts >= conf.PIPELINE_MAX_ATTEMPTS
    logger.warning("post %s failed (attempt %d): %s", post.pk, attempts, error)
    Post.objects.filter(pk=post.pk, claimed_by=token).update(
        state=PostState.PARKED if parked else PostState.NEW,
        attempts=attempts,
        last_error=error,
        retry_after=None if parked else timezone.now() + timedelta(seconds=2**attempts),
    )


def process_batch(token: str, post_ids: Sequence[int]) -> list[int]:
    """Process claimed posts; returns the ids now visible. Never raises for one bad post."""
    posts = list(Post.objects.filter(pk__in=post_ids, claimed_by=token).order_by("id"))
    if not posts:
        return []
    try:
        return _process(token, posts)
    except Exception:
        if len(posts) == 1:
            _fail(token, posts[0], _last_exception())
            return []
        logger.warning("batch of %d failed; retrying post by post", len(posts), exc_info=True)
    done: list[int] = []
    for post in posts:
        try:
            done.extend(_process(token, [post]))
        except Exception as exc:
            _fail(token, post, exc)
    return done


def _last_exception() -> BaseException:
    import sys

    exc = sys.exc_info()[1]
    assert exc is not None
    return exc


def pipeline_drain(
    *,
    worker: str = WORKER_ID,
    max_batches: int | None = None,
    limit: int | None = None,
    on_backlog: Callable[[], None] | None = None,
) -> int:
    """Claim and process batches until nothing is waiting; returns posts processed.

    ``on_backlog`` is called once, when a full batch shows more work is waiting, so the
    task can ask another idle worker to help (fan-out without flooding the queue).
    """
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with _timed("claim"):
            token, ids = posts_claim(worker=worker, limit=limit)
        if not ids:
            break
        if on_backlog is not None and len(ids) >= (limit or conf.PIPELINE_BATCH):
            on_backlog()
            on_backlog = None
        total += len(process_batch(token, ids))
        batches += 1
        _freeze_long_lived()
    return total


@functools.cache
def _freeze_long_lived() -> None:
    """Once per process, after its first batch has loaded the models: move every object alive
    now (models, vocabularies, Django) out of the cyclic collector's reach. Each full
    collection walked them all again: 0.1–0.2 s per 600 texts on the benchmark. Objects
    still free as usual when no longer referenced; only cycles among them would stay.
    """
    gc.collect()
    gc.freeze()
