"""Incremental narrative clustering: nearest centroid or a new candidate narrative.

Each organisation's narratives are held as a matrix of unit centroids in memory (brute-force
cosine: a few thousand centroids x 384 dims is a sub-millisecond product), refreshed from the
database with only the rows changed since the last look, so several workers stay in step.
A narrative stores the *sum* of its members' vectors; adding a text is one addition, and the
centroid is the sum's direction.

The vectors are the texts' sentence vectors with their language's centre removed
(``sitroom.nlp.centres``, ``Space``): raw e5 cosines crowd together, so a post on another
subject could pass the old raw threshold (a call to kill Muslims joined "foreigners vote with
fake IDs" at 0.896), while the same claim in two languages could stay apart.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from sitroom.lib.db import bulk_set
from sitroom.monitoring import conf
from sitroom.monitoring.models import (
    DistinctText,
    Narrative,
    NarrativeMember,
    Post,
    split_embedding,
)
from sitroom.nlp.centres import Centres, unit_rows
from sitroom.nlp.romanised import script_language

Vector = np.ndarray

# Join thresholds, measured 2026-11-24 (docs/monitoring.md, "Narratives"): the balanced
# best over the CLEF 2022 claim-retrieval tweets, the demo posts and the election claims in
# eleven languages. Raw cosine is used only where no centres fit the embedder.
CENTRED_THRESHOLD = 0.44
RAW_THRESHOLD = 0.87


@dataclass(frozen=True)
class Space:
    """The vectors narratives are made of: centred per language, or raw where no centres
    fit the embedder (another sentence-transformers model)."""

    name: str
    centres: Centres | None

    @property
    def dim(self) -> int | None:
        """The vectors' length the centres fit (None: any)."""
        return None if self.centres is None else int(self.centres.overall.shape[0])

    @property
    def threshold(self) -> float:
        if conf.NARRATIVE_THRESHOLD is not None:
            return conf.NARRATIVE_THRESHOLD
        return CENTRED_THRESHOLD if self.centres is not None else RAW_THRESHOLD

    def vectors(self, vectors: Sequence[Vector], langs: Sequence[str]) -> np.ndarray:
        """Unit vectors in this space, one row per input."""
        if not len(vectors):
            return np.zeros((0, 0), dtype=np.float32)
        rows = np.stack([np.asarray(v, dtype=np.float32) for v in vectors])
        if self.centres is not None:
            return self.centres.apply(rows, langs)
        return unit_rows(rows)


def current_space() -> Space:
    from sitroom.nlp.embedder import get_embedder

    embedder = get_embedder()
    centres = Centres.load(f"{embedder.name}@{embedder.version}")
    return Space(centres.space if centres is not None else "raw", centres)


def member_sums(narrative_ids: Sequence[int], space: Space) -> dict[int, tuple[bytes, int]]:
    """Each narrative's vector sum in ``space`` from its members' stored vectors, and how many
    members had one (after merges and splits, or when the space changed)."""
    rows = NarrativeMember.objects.filter(
        narrative_id__in=list(narrative_ids), text__embedding__isnull=False
    ).values_list(
        "narrative_id", "text__embedding", "text__embedding_model", "text__language", "text__text"
    )
    by: dict[int, tuple[list[Vector], list[str]]] = defaultdict(lambda: ([], []))
    for nid, blob, model, language, text in rows:
        lang = script_language(language or "", text)
        v = split_embedding(blob, model)[0]
        # A vector of another embedder (after a change of SITROOM_EMBEDDER) is left out.
        if v is not None and (space.dim is None or len(v) == space.dim):
            by[nid][0].append(v)
            by[nid][1].append(lang)
    return {
        nid: (space.vectors(vs, langs).sum(axis=0).astype("<f4").tobytes(), len(vs))
        for nid, (vs, langs) in by.items()
    }


@dataclass
class CentroidIndex:
    """Unit centroids in a growable matrix (capacity doubles), rows found through a dict."""

    rows: dict[int, int] = field(default_factory=dict)  # narrative id -> row
    ids: list[int] = field(default_factory=list)  # row -> narrative id (0 = free row)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    seen_until: datetime | None = None
    known: set[int] = field(default_factory=set)  # every narrative id put, with or without centroid

    def put(self, narrative_id: int, centroid: Vector | None) -> None:
        self.known.add(narrative_id)
        row = self.rows.get(narrative_id)
        if centroid is None:
            if row is not None:  # forget it: a zero row never wins
                del self.rows[narrative_id]
                self.ids[row] = 0
                self.matrix[row] = 0.0
            return
        if row is None:
            row = len(self.ids)
            if self.matrix.size == 0:
                self.matrix = np.zeros((64, centroid.shape[0]), dtype=np.float32)
            elif row >= self.matrix.shape[0]:
                grown = np.zeros((2 * self.matrix.shape[0], self.matrix.shape[1]), np.float32)
                grown[:row] = self.matrix
                self.matrix = grown
            self.rows[narrative_id] = row
            self.ids.append(narrative_id)
        self.matrix[row] = centroid

    def nearest(self, v: Vector) -> tuple[int | None, float]:
        if not self.rows:
            return None, -1.0
        sims = self.matrix[: len(self.ids)] @ v
        row = int(np.argmax(sims))
        if not self.ids[row]:
            return None, -1.0
        return self.ids[row], float(sims[row])


_lock = threading.Lock()
_indexes: dict[int, CentroidIndex] = {}


def _refresh(org_id: int, space: Space) -> CentroidIndex:
    """The org's centroids, brought up to date with the rows changed since the last call.

    A narrative deleted from the database (by an admin, or with its organisation) would
    otherwise stay in memory and be handed out as a foreign key that no longer exists: when
    the database holds fewer narratives than the index has seen, the index is rebuilt.
    """
    index = _indexes.setdefault(org_id, CentroidIndex())
    _load(index, org_id, space)
    if index.known and Narrative.objects.filter(organisation_id=org_id).count() < len(index.known):
        index = _indexes[org_id] = CentroidIndex()
        _load(index, org_id, space)
    return index


def _load(index: CentroidIndex, org_id: int, space: Space) -> None:
    rows = Narrative.objects.filter(organisation_id=org_id)
    if index.seen_until is not None:
        rows = rows.filter(updated_at__gte=index.seen_until)
    latest = index.seen_until
    narratives = list(rows.only("id", "status", "vector_sum", "vector_space", "updated_at"))
    _respace(narratives, space)
    for n in narratives:
        index.put(n.pk, None if n.status == Narrative.Status.MERGED else n.centroid())
        if latest is None or n.updated_at > latest:
            latest = n.updated_at
    index.seen_until = latest


def _respace(narratives: Sequence[Narrative], space: Space) -> None:
    """Recompute, from their members, the sums that were made in another space (narratives
    from before the centres, or after a change of embedder or centres)."""
    stale = [
        n
        for n in narratives
        if n.vector_space != space.name and n.status != Narrative.Status.MERGED
    ]
    if not stale:
        return
    sums = member_sums([n.pk for n in stale], space)
    for n in stale:
        n.vector_sum = sums[n.pk][0] if n.pk in sums else None
        n.vector_space = space.name
    bulk_set(stale, ["vector_sum", "vector_space"])


def forget_indexes() -> None:
    """Drop the in-memory centroids (tests; after merges and splits)."""
    with _lock:
        _indexes.clear()


def _grow(
    growth: dict[int, list[Vector]], post_counts: dict[int, int], when: datetime, space: Space
) -> list[Narrative]:
    """Add the batch's new member vectors (in ``space``) and post counts to their narratives,
    in one pass. A sum made in another space is recomputed from the members, which by now
    include the batch's."""
    qs = Narrative.objects.filter(pk__in=list(post_counts))
    if connection.vendor == "postgresql":
        qs = qs.select_for_update()
    narratives = list(qs)
    stale = [n.pk for n in narratives if growth.get(n.pk) and n.vector_space != space.name]
    recomputed = member_sums(stale, space) if stale else {}
    changed = []
    for n in narratives:
        vectors = growth.get(n.pk, [])
        if vectors:
            if n.pk in recomputed:
                n.vector_sum = recomputed[n.pk][0]
            else:
                total = np.sum(vectors, axis=0).astype("<f4")
                if n.vector_sum:
                    total = total + np.frombuffer(bytes(n.vector_sum), dtype="<f4")
                n.vector_sum = total.astype("<f4").tobytes()
            n.vector_space = space.name
            n.text_count += len(vectors)
        n.post_count += post_counts[n.pk]
        n.first_seen = min(n.first_seen or when, when)
        n.last_seen = max(n.last_seen or when, when)
        if n.status == Narrative.Status.CANDIDATE and n.text_count >= conf.NARRATIVE_ACTIVE_TEXTS:
            n.status = Narrative.Status.ACTIVE
        n.updated_at = when
        changed.append(n)
    bulk_set(
        changed,
        [
            "vector_sum",
            "vector_space",
            "text_count",
            "post_count",
            "first_seen",
            "last_seen",
            "status",
            "updated_at",
        ],
    )
    return [n for n in changed if n.pk in growth]


def _languages(text_ids: Sequence[int], texts: dict[int, DistinctText]) -> list[str]:
    """The detected language of each text, from the batch's texts or else the database
    (Hindi in Latin letters as ``hi-Latn``: the Hindi centre is Devanagari's)."""
    known = {t.pk: script_language(t.language or "", t.text) for t in texts.values()}
    missing = [t for t in text_ids if t not in known]
    for pk, language, text in DistinctText.objects.filter(pk__in=missing).values_list(
        "pk", "language", "text"
    ):
        known[pk] = script_language(language or "", text)
    return [known[t] for t in text_ids]


def assign_narratives(
    posts: Sequence[Post], texts: dict[int, DistinctText], vectors: dict[int, Vector]
) -> dict[int, int]:
    """Post id -> narrative id, creating or growing narratives. Idempotent per text and org.

    ``vectors`` are the representative texts' sentence vectors (text id -> vector), as the
    embedder gives them; they are moved into the narratives' ``Space`` here."""
    space = current_space()
    threshold = space.threshold
    by_org: dict[int, list[Post]] = defaultdict(list)
    for p in posts:
        by_org[p.organisation_id].append(p)
    out: dict[int, int] = {}
    now = timezone.now()
    for org_id, org_posts in by_org.items():
        rep_of = {p.pk: texts[p.pk].representative_id or texts[p.pk].pk for p in org_posts}  # type: ignore[attr-defined]
        members = dict(
            NarrativeMember.objects.filter(
                organisation_id=org_id, text_id__in=set(rep_of.values())
            ).values_list("text_id", "narrative_id")
        )
        # Narratives that were merged point on to the survivor.
        merged = dict(
            Narrative.objects.filter(
                pk__in=set(members.values()), merged_into__isnull=False
            ).values_list("id", "merged_into_id")
        )
        members = {t: merged.get(n, n) for t, n in members.items()}
        growth: dict[int, list[Vector]] = defaultdict(list)
        post_counts: dict[int, int] = defaultdict(int)
        new_members: list[NarrativeMember] = []
        # The new representatives' vectors in the narratives' space, in one call.
        todo = sorted({r for r in rep_of.values() if r not in members and r in vectors})
        moved = dict(
            zip(
                todo,
                space.vectors([vectors[r] for r in todo], _languages(todo, texts)),
                strict=True,
            )
        )
        with transaction.atomic(), _lock:
            index = _refresh(org_id, space)
            for p in org_posts:
                rep = rep_of[p.pk]
                if rep not in members:
                    v = moved.get(rep)
                    if v is None:
                        continue
                    nid, sim = index.nearest(v)
                    if nid is None or sim < threshold:
                        created = Narrative.objects.create(
                            organisation_id=org_id,
                            first_seen=now,
                            last_seen=now,
                            vector_space=space.name,
                        )
                        nid, sim = created.pk, 1.0
                        index.put(nid, v)
                    members[rep] = nid
                    growth[nid].append(v)
                    new_members.append(
                        NarrativeMember(
                            organisation_id=org_id, text_id=rep, narrative_id=nid, similarity=sim
                        )
                    )
                out[p.pk] = members[rep]
                post_counts[members[rep]] += 1
            NarrativeMember.objects.bulk_create(new_members, ignore_conflicts=True)
            for n in _grow(growth, post_counts, now, space):
                index.put(n.pk, n.centroid())
    return out
