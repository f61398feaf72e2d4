"""Incremental narrative clustering: nearest centroid or a new candidate narrative.

Each organisation's narratives are held as a matrix of unit centroids in memory (brute-force
cosine: a few thousand centroids x 384 dims is a sub-millisecond product), refreshed from the
database with only the rows changed since the last look, so several workers stay in step.
A narrative stores the *sum* of its members' vectors; adding a text is one addition, and the
centroid is the sum's direction.
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
from sitroom.monitoring.models import DistinctText, Narrative, NarrativeMember, Post

Vector = np.ndarray


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


def _refresh(org_id: int) -> CentroidIndex:
    """The org's centroids, brought up to date with the rows changed since the last call.

    A narrative deleted from the database (by an admin, or with its organisation) would
    otherwise stay in memory and be handed out as a foreign key that no longer exists: when
    the database holds fewer narratives than the index has seen, the index is rebuilt.
    """
    index = _indexes.setdefault(org_id, CentroidIndex())
    _load(index, org_id)
    if index.known and Narrative.objects.filter(organisation_id=org_id).count() < len(index.known):
        index = _indexes[org_id] = CentroidIndex()
        _load(index, org_id)
    return index


def _load(index: CentroidIndex, org_id: int) -> None:
    rows = Narrative.objects.filter(organisation_id=org_id)
    if index.seen_until is not None:
        rows = rows.filter(updated_at__gte=index.seen_until)
    latest = index.seen_until
    for n in rows.only("id", "status", "vector_sum", "updated_at"):
        index.put(n.pk, None if n.status == Narrative.Status.MERGED else n.centroid())
        if latest is None or n.updated_at > latest:
            latest = n.updated_at
    index.seen_until = latest


def forget_indexes() -> None:
    """Drop the in-memory centroids (tests; after merges and splits)."""
    with _lock:
        _indexes.clear()


def _grow(
    growth: dict[int, list[Vector]], post_counts: dict[int, int], when: datetime
) -> list[Narrative]:
    """Add the batch's new member vectors and post counts to their narratives, in one pass."""
    qs = Narrative.objects.filter(pk__in=list(post_counts))
    if connection.vendor == "postgresql":
        qs = qs.select_for_update()
    changed = []
    for n in qs:
        vectors = growth.get(n.pk, [])
        if vectors:
            total = np.sum(vectors, axis=0).astype("<f4")
            if n.vector_sum:
                total = total + np.frombuffer(bytes(n.vector_sum), dtype="<f4")
            n.vector_sum = total.astype("<f4").tobytes()
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
            "text_count",
            "post_count",
            "first_seen",
            "last_seen",
            "status",
            "updated_at",
        ],
    )
    return [n for n in changed if n.pk in growth]


def assign_narratives(
    posts: Sequence[Post], texts: dict[int, DistinctText], vectors: dict[int, Vector]
) -> dict[int, int]:
    """Post id -> narrative id, creating or growing narratives. Idempotent per text and org."""
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
        with transaction.atomic(), _lock:
            index = _refresh(org_id)
            for p in org_posts:
                rep = rep_of[p.pk]
                if rep not in members:
                    v = vectors.get(rep)
                    if v is None:
                        continue
                    nid, sim = index.nearest(v)
                    if nid is None or sim < conf.NARRATIVE_THRESHOLD:
                        created = Narrative.objects.create(
                            organisation_id=org_id, first_seen=now, last_seen=now
                        )
                        nid, sim = created.pk, 1.0
                        index.put(nid, v / (np.linalg.norm(v) or 1.0))
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
            for n in _grow(growth, post_counts, now):
                index.put(n.pk, n.centroid())
    return out
