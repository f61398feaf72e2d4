"""Cases: reports grouped for triage, independent review, published decisions and appeals."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_REVIEW = "in_review", _("Under review")
    DECIDED = "decided", _("Decided")
    APPEALED = "appealed", _("Appealed")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")


class Priority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class DecisionRule(models.TextChoices):
    MAJORITY = "majority", _("Majority of the reviewers")
    CHAIR = "chair", _("Decision of the chair")


class Stage(models.TextChoices):
    REVIEW = "review", _("Review")
    APPEAL = "appeal", _("Appeal")


class Outcome(models.TextChoices):
    NO_ACTION = "no_action", _("No action")
    LABEL = "label", _("Label or context")
    FACT_CHECK = "fact_check", _("Fact-check needed")
    PLATFORM_REFERRAL = "platform_referral", _("Referral to the platform")
    AUTHORITY_REFERRAL = "authority_referral", _("Referral to an authority")
    COUNTER_MESSAGING = "counter_messaging", _("Counter-messaging")


class Authority(models.TextChoices):
    EMB = "emb", _("Electoral management body")
    ELECTORAL_COURT = "electoral_court", _("Electoral court")
    HUMAN_RIGHTS = "human_rights", _("Human-rights commission")
    POLICE = "police", _("Police")


class PhaseKind(models.TextChoices):
    PRE_CAMPAIGN = "pre_campaign", _("Pre-campaign")
    CAMPAIGN = "campaign", _("Campaign")
    SILENCE = "silence", _("Silence period")
    POLLING = "polling", _("Polling day")
    COUNTING = "counting", _("Counting")
    RESULTS = "results", _("Results")
    POST_ELECTION = "post_election", _("Post-election")


def new_case_reference() -> str:
    # Short, unguessable, unambiguous (no 0/O/1/I): printed on the register and read on phones.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "C-" + "".join(secrets.choice(alphabet) for _ in range(8))


class ElectionCalendar(models.Model):
    """The deployment's election calendar; the active one drives priorities."""

    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_active", "-created_at"]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    calendar = models.ForeignKey(ElectionCalendar, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    multiplier = models.FloatField(
        _("priority multiplier"), default=1.0, help_text=_("Case priority is multiplied by this.")
    )

    class Meta:
        ordering = ["calendar", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(multiplier__gt=0), name="phase_multiplier_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class ReviewCriteria(models.Model):
    """One published version of the criteria the reviewers assess cases against."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = _("review criteria")

    def __str__(self) -> str:
        return f"v{self.version}"


class ReviewCriteriaText(models.Model):
    criteria = models.ForeignKey(ReviewCriteria, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=12)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["criteria", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria", "language"], name="criteria_text_unique_lang"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criteria} [{self.language}]"


class ReviewBody(models.Model):
    """An organisation explicitly designated as part of the coalition's review body.

    Organisations of the kinds in SITROOM_REVIEW_BODY_KINDS are part of it without a row here.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="review_body"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.organisation)


class Case(models.Model):
    reference = models.CharField(max_length=12, unique=True, default=new_case_reference)
    title = models.CharField(_("title"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=12, blank=True, db_index=True)
    region = models.CharField(_("region"), max_length=100, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    priority_score = models.FloatField(default=0.0, db_index=True)
    report_count = models.PositiveIntegerField(default=0)
    stated_reach = models.PositiveBigIntegerField(null=True, blank=True)
    reviewers_required = models.PositiveSmallIntegerField(default=3)
    decision_rule = models.CharField(
        max_length=10, choices=DecisionRule.choices, default=DecisionRule.MAJORITY
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-priority_score", "created_at"]
        indexes = [models.Index(fields=["status", "-priority_score"], name="case_queue_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def claim_text(self) -> str:
        """The reported text, for the fact-checkers' queue (internal; never on the register)."""
        first = self.reports.exclude(text="").order_by("created_at").first()  # type: ignore[attr-defined]
        return first.text if first is not None else self.title


class CaseKeyKind(models.TextChoices):
    URL = "url", _("Canonical URL")
    TEXT = "text", _("Exact text")
    FILE = "file", _("Identical file")


class CaseKey(models.Model):
    """A grouping key owned by one case. The unique constraint makes grouping race-safe."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=10, choices=CaseKeyKind.choices)
    value = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="case_key_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class CaseTextSignature(models.Model):
    """A MinHash signature of one report's text, to confirm LSH candidates."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signatures")
    report_id = models.BigIntegerField(unique=True)
    signature = models.BinaryField()

    def __str__(self) -> str:
        return f"signature of report {self.report_id}"


class CaseTextBand(models.Model):
    """One LSH band key of a signature: near-duplicate lookup is an indexed equality query."""

    signature = models.ForeignKey(CaseTextSignature, on_delete=models.CASCADE, related_name="bands")
    key = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return str(self.key)


class CaseGroupingLock(models.Model):
    """A single row locked while a new case is created, so near-duplicates can't split in two."""

    id = models.PositiveSmallIntegerField(primary_key=True)

    def __str__(self) -> str:
        return "grouping lock"


class CaseAssignment(models.Model):
    """A reviewer's seat on a case (review) or on its appeal panel (appeal)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.REVIEW)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments"
    )
    is_chair = models.BooleanField(default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    conflict_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage", "reviewer"], name="case_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.stage} · {self.reviewer}"

    @property
    def is_active(self) -> bool:
        return self.conflict_declared_at is None


class Assessment(models.Model):
    """One reviewer's own assessment, written before seeing anyone else's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.REVIEW)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assessments"
    )
    criteria = models.ForeignKey(ReviewCriteria, on_delete=models.PROTECT, null=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    authority = models.CharField(
        _("authority"), max_length=20, choices=Authority.choices, blank=True
    )
    reasons = models.TextField(_("reasons"))
    public_summary = models.TextField(_("redacted public summary"), blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "reviewer"], name="assessment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.stage} · {self.reviewer}"


class Decision(models.Model):
    """The decision of a stage, published on the register with its reasons."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.REVIEW)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    authority = models.CharField(
        _("authority"), max_length=20, choices=Authority.choices, blank=True
    )
    reasons = models.TextField(_("reasons"))
    public_summary = models.TextField(_("redacted summary of the content"))
    criteria = models.ForeignKey(ReviewCriteria, on_delete=models.PROTECT, null=True)
    rule = models.CharField(max_length=10, choices=DecisionRule.choices)
    votes = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="decision_unique")]

    def __str__(self) -> str:
        return f"{self.case} · {self.stage} · {self.outcome}"


def _blurred_path(instance: BlurredImage, filename: str) -> str:
    return f"register/blurred/{instance.decision.case.reference}/{secrets.token_hex(8)}.jpg"


class BlurredImage(models.Model):
    """A blurred thumbnail of an attachment, the only image the public register shows."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=_blurred_path)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.image.name or ""


class AppellantKind(models.TextChoices):
    REPORTER = "reporter", _("The person who reported it")
    AUTHOR = "author", _("The author of the content")


class AppealStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DECIDED = "decided", _("Decided")


class Appeal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    appellant = models.CharField(_("appellant"), max_length=10, choices=AppellantKind.choices)
    # Only for an appeal by the reporter: which report (found by its tracking code).
    report_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    statement = models.TextField(_("statement"))
    # Fernet token (sitroom.lib.crypto); never shown on a page or in the audit log.
    contact_encrypted = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.RECEIVED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"appeal {self.pk} on {self.case}"


class Notification(models.Model):
    """An in-app notice for one person (shown with an unread count in the menu)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.message
