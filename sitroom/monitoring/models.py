"""Monitoring: sources of public posts, the posts, their distinct texts, step results,
watchlists, narratives and the monitors' labels.

A post points to its *distinct text* (``DistinctText``, keyed by the exact-duplicate key), so
a repost or a copy-paste campaign shares one row and its embedding and model outputs. A
near-duplicate distinct text points to a *representative* and reuses its expensive results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sitroom.accounts.models import Organisation


class SourceKind(models.TextChoices):
    RSS = "rss", _("RSS / Atom feed")
    MASTODON = "mastodon", _("Mastodon timeline or hashtag")
    BLUESKY = "bluesky", _("Bluesky search")
    JETSTREAM = "jetstream", _("Bluesky live stream (Jetstream)")
    TELEGRAM = "telegram", _("Telegram channel export")
    UPLOAD = "upload", _("CSV / JSON-lines upload")
    PUSH = "push", _("Push API")


class Source(models.Model):
    """Where posts come from. ``cursor`` holds what the connector needs to resume."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monitoring_sources"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices)
    # Connector settings: url / instance / tag / query / channel / limit, per kind.
    config = models.JSONField(_("settings"), default=dict, blank=True)
    enabled = models.BooleanField(_("polling enabled"), default=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    poll_interval_seconds = models.PositiveIntegerField(_("poll every (seconds)"), default=300)
    cursor = models.JSONField(default=dict, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class DistinctText(models.Model):
    """One text however many times it was posted; holds what the pipeline learned about it."""

    exact_key = models.CharField(max_length=32, unique=True)
    text = models.TextField()
    # Set when this text is a near-duplicate: the expensive results come from there.
    representative = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="near_duplicates"
    )
    minhash = models.BinaryField(null=True, blank=True)
    embedding = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=12, blank=True)
    language_confidence = models.FloatField(null=True, blank=True)
    is_relevant = models.BooleanField(default=False)
    matched_terms = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.text[:80]

    def vector(self) -> np.ndarray | None:
        """The sentence vector (what narratives and matching read)."""
        return split_embedding(self.embedding, self.embedding_model)[0]

    def mid_vector(self) -> np.ndarray | None:
        """The middle layers' vector, stored when a classifier reads it, else None."""
        return split_embedding(self.embedding, self.embedding_model)[1]


MID_SUFFIX = "+mid"  # embedding_model of rows that hold the vector then the mid vector


def split_embedding(
    raw: bytes | memoryview | None, model: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A stored embedding as (sentence vector, mid vector or None)."""
    if not raw:
        return None, None
    v = np.frombuffer(bytes(raw), dtype="<f4")
    if model.endswith(MID_SUFFIX):
        half = len(v) // 2
        return v[:half], v[half:]
    return v, None


class LshKey(models.Model):
    """One band key of a distinct text's MinHash signature (candidate near-duplicates)."""

    key = models.BigIntegerField(db_index=True)
    text = models.ForeignKey(DistinctText, on_delete=models.CASCADE, related_name="lsh_keys")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "text"], name="lshkey_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.text_id}"  # type: ignore[attr-defined]


class StepResult(models.Model):
    """The output of one pipeline step for one distinct text, keyed on the model version.

    A crashed worker reruns the batch; steps whose (text, step, version) row exists are
    skipped, so nothing is computed or stored twice.
    """

    text = models.ForeignKey(DistinctText, on_delete=models.CASCADE, related_name="results")
    step = models.CharField(max_length=40)
    model_name = models.CharField(max_length=120, blank=True)
    model_version = models.CharField(max_length=120)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["text", "step", "model_version"], name="stepresult_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step}@{self.model_version} for text {self.text_id}"  # type: ignore[attr-defined]


class Narrative(models.Model):
    """A group of posts telling the same story; grows as posts arrive."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ACTIVE = "active", _("Active")
        MERGED = "merged", _("Merged")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="narratives"
    )
    title = models.CharField(_("name"), max_length=200, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CANDIDATE)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )
    # Sum of member vectors: the centroid is its direction, updated by one addition per text.
    vector_sum = models.BinaryField(null=True, blank=True)
    # Which vectors were summed ("raw" cosine, or "centred-..." for sitroom.nlp.centres): a
    # sum made in another space is recomputed from the members before it is used.
    vector_space = models.CharField(max_length=40, blank=True)
    text_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-last_seen"])]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    def centroid(self) -> np.ndarray | None:
        if not self.vector_sum:
            return None
        v = np.frombuffer(bytes(self.vector_sum), dtype="<f4")
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v


class NarrativeMember(models.Model):
    """A distinct text (a representative) belongs to one narrative per organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    text = models.ForeignKey(DistinctText, on_delete=models.CASCADE, related_name="memberships")
    narrative = models.ForeignKey(Narrative, on_delete=models.CASCADE, related_name="members")
    similarity = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "text"], name="narrativemember_unique")
        ]

    def __str__(self) -> str:
        return f"text {self.text_id} in narrative {self.narrative_id}"  # type: ignore[attr-defined]


class PostState(models.TextChoices):
    NEW = "new", _("Waiting")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Processed")
    PARKED = "parked", _("Parked (failed)")


# Classifier task -> the Post fields of its calibrated score and of its own decision.
CLASSIFIER_FIELDS: dict[str, tuple[str, str]] = {
    "hate": ("hate_score", "is_hateful"),
    "toxicity": ("toxicity_score", "is_toxic"),
    "checkworthy": ("checkworthy_score", "is_checkworthy"),
}


class Post(models.Model):
    """One public post as received from a source (unique per source and external id)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="posts")
    external_id = models.CharField(max_length=300)
    text = models.TextField()
    url = models.URLField(max_length=1000, blank=True)
    author = models.CharField(max_length=200, blank=True)
    language_hint = models.CharField(max_length=12, blank=True)
    region = models.CharField(max_length=100, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(default=timezone.now)
    media = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    state = models.CharField(max_length=12, choices=PostState.choices, default=PostState.NEW)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveIntegerField(default=0)  # times a worker took it
    attempts = models.PositiveIntegerField(default=0)  # failed attempts
    retry_after = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    processed_by = models.CharField(max_length=120, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    content = models.ForeignKey(
        DistinctText, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    narrative = models.ForeignKey(
        Narrative, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    # Denormalised from the distinct text for fast filtering of the stream.
    language = models.CharField(max_length=12, blank=True)
    is_relevant = models.BooleanField(default=False)
    hate_score = models.FloatField(null=True, blank=True)
    toxicity_score = models.FloatField(null=True, blank=True)
    checkworthy_score = models.FloatField(null=True, blank=True)
    # Each classifier's own decision, at its own threshold (the model's and its language
    # route's, as `sitroom classify` labels the same text); the scores are for sorting.
    is_hateful = models.BooleanField(default=False)
    is_toxic = models.BooleanField(default=False)
    is_checkworthy = models.BooleanField(default=False)
    lexicon_hits = models.PositiveIntegerField(default=0)
    has_factcheck = models.BooleanField(default=False)
    is_duplicate = models.BooleanField(default=False)
    c2pa = models.CharField(max_length=12, blank=True)  # present / absent / invalid / ""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="post_unique_external")
        ]
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["organisation", "state", "-processed_at"]),
            models.Index(fields=["narrative", "arrived_at"]),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.author or '?'}: {self.text[:60]}"

    @property
    def flags(self) -> list[str]:
        out = []
        if self.is_relevant:
            out.append("relevant")
        if self.is_hateful or self.lexicon_hits:
            out.append("hate")
        if self.is_toxic:
            out.append("toxic")
        if self.is_checkworthy:
            out.append("checkworthy")
        if self.has_factcheck:
            out.append("factchecked")
        return out


class WatchKind(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    PARTY = "party", _("Party")
    OFFICIAL = "official", _("Official")
    ELECTION_BODY = "election_body", _("Election body")
    HASHTAG = "hashtag", _("Hashtag")
    KEYWORD = "keyword", _("Election keyword")


class WatchTerm(models.Model):
    """A name, hashtag or keyword that makes a post election-relevant (deployment-wide)."""

    term = models.CharField(_("term"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=WatchKind.choices)
    entity = models.CharField(
        _("refers to"), max_length=200, blank=True, help_text=_("e.g. the candidate's full name")
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(fields=["term", "kind", "language"], name="watchterm_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.kind})"


class SavedMapping(models.Model):
    """How the columns of a research tool's export map onto posts, kept for next time."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monitoring_mappings"
    )
    name = models.CharField(_("name"), max_length=120)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class LabelTask(models.TextChoices):
    HATE = "hate", _("Hateful?")
    TOXICITY = "toxicity", _("Toxic?")
    CHECKWORTHY = "checkworthy", _("Check-worthy?")
    RELEVANT = "relevant", _("Election-relevant?")


class PostLabel(models.Model):
    """A monitor's judgement of a post; feeds the classifiers' training."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="labels")
    task = models.CharField(max_length=20, choices=LabelTask.choices)
    positive = models.BooleanField()
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "task", "labelled_by"], name="postlabel_unique_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}={'yes' if self.positive else 'no'} on post {self.post_id}"  # type: ignore[attr-defined]


class Escalation(models.Model):
    """A post or narrative handed to a case or a fact-check claim."""

    class Target(models.TextChoices):
        CASE = "case", _("Case")
        CLAIM = "claim", _("Fact-check claim")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True)
    narrative = models.ForeignKey(Narrative, on_delete=models.CASCADE, null=True, blank=True)
    target = models.CharField(max_length=10, choices=Target.choices)
    target_ref = models.CharField(max_length=200, blank=True)  # "<app.model>:<pk>"
    target_url = models.CharField(max_length=500, blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.target} {self.target_ref}"

    def describe(self) -> dict[str, Any]:
        return {"target": self.target, "ref": self.target_ref, "url": self.target_url}
