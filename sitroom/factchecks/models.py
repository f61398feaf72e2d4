"""Claims, the shared queue, fact-check articles, their ratings, translations and imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sitroom.accounts.models import Organisation


class NormalisedRating(models.TextChoices):
    FALSE = "false", _("False")
    MISLEADING = "misleading", _("Misleading")
    MISSING_CONTEXT = "missing_context", _("Missing context")
    TRUE = "true", _("True")
    UNPROVEN = "unproven", _("Unproven")
    SATIRE = "satire", _("Satire")


class Rating(models.Model):
    """One verdict on the deployment's scale, edited by admins in the Django admin."""

    label = models.CharField(_("label"), max_length=80, unique=True)
    normalised = models.CharField(
        _("normalised value"), max_length=20, choices=NormalisedRating.choices
    )
    # ClaimReview's ratingValue: higher is more accurate; bestRating/worstRating are the
    # largest and smallest values on the scale.
    value = models.PositiveSmallIntegerField(_("rating value"), default=1)
    description = models.TextField(_("description"), blank=True)
    # {"fr": "Faux", "es": "Falso", ...}
    translations = models.JSONField(_("labels in other languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "value", "label"]

    def __str__(self) -> str:
        return self.label

    def label_in(self, language: str | None = None) -> str:
        lang = (language or get_language() or "en").split("-")[0]
        value = (self.translations or {}).get(lang)
        return str(value) if value else self.label


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CHECKING = "checking", _("Being checked")
    DONE = "done", _("Fact-check published")
    MERGED = "merged", _("Merged into another claim")
    DISMISSED = "dismissed", _("Not check-worthy")


class Claim(models.Model):
    text = models.TextField(_("claim"))
    language = models.CharField(_("language"), max_length=12, blank=True)
    claimant = models.CharField(_("who made the claim"), max_length=200, blank=True)
    appeared_in = models.CharField(
        _("where it appeared"), max_length=200, blank=True, help_text=_("e.g. WhatsApp, a rally")
    )
    appearance_url = models.URLField(_("link to where it appeared"), max_length=1000, blank=True)
    appeared_at = models.DateTimeField(_("when it appeared"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.OPEN
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_claims"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # sitroom.lib.fingerprint: exact key and MinHash signature for the queue's de-duplication.
    exact_key = models.CharField(max_length=32, db_index=True, blank=True)
    signature = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.text[:80]


class ClaimLshKey(models.Model):
    """One LSH band key of a claim's MinHash; equal keys find near-duplicate candidates."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lsh_keys")
    key = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.key}"


class SourceKind(models.TextChoices):
    REPORT = "report", _("Report")
    CASE = "case", _("Case")
    POST = "post", _("Monitored post")
    LINK = "link", _("Link")
    IMPORT = "import", _("Import")


class ClaimSource(models.Model):
    """Where a claim came from: a report, a case, a post (by id, decoupled from those apps)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    object_id = models.CharField(_("id"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id or self.url}"


class ClaimCheck(models.Model):
    """A newsroom saying "we are checking this"."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="checks")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "organisation"], name="claimcheck_unique_org")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} checks {self.claim_id}"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class Article(models.Model):
    """A fact-check article: the verdict on one claim, written by one or more newsrooms."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="articles")
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    language = models.CharField(_("language"), max_length=12)
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="articles")
    verdict = models.CharField(
        _("verdict in words"),
        max_length=200,
        blank=True,
        help_text=_("Shown with the rating, e.g. 'False: the date has not changed'."),
    )
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("article"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    organisations = models.ManyToManyField(
        Organisation, related_name="factcheck_articles", through="ArticleAuthor"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("designated editor"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Articles published elsewhere and imported: their own page, and the import's key
    # (external id, url or normalised claim text) that makes a re-import an update.
    external_url = models.URLField(max_length=1000, blank=True)
    import_key = models.CharField(max_length=300, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["import_key"],
                condition=~models.Q(import_key=""),
                name="article_unique_import_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def verdict_text(self) -> str:
        return self.verdict or self.rating.label


class ArticleAuthor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="authors")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "organisation"], name="articleauthor_unique_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} on {self.article_id}"


class ArticleInvitation(models.Model):
    """A newsroom writing an article asks another to co-author it; a member of the invited
    newsroom accepts by joining. Without one, a newsroom cannot add itself to an article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "organisation"], name="articleinvitation_unique_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} invited to {self.article_id}"


class EvidenceLink(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(_("link"), max_length=1000)
    title = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=12)
    title = models.CharField(_("title"), max_length=300)
    claim_text = models.TextField(_("claim"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("article"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="articletranslation_unique_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.title}"


class Comment(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class ImportRun(models.Model):
    """What one import did, item by item, so a person can see why something was skipped."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=12)
    source = models.CharField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # [{"item": "...", "outcome": "imported|updated|skipped", "reason": "..."}]
    details = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.format} {self.source}"
