"""Reports sent by the public: what was seen, where, and how to tell the reporter the outcome.

Nothing here identifies a reporter to someone who reads the database: no raw IP (a keyed
hash, for rate limits only), contact details encrypted (``contact_encrypted``), uploads
re-encoded without metadata and stored under random names.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sitroom.reports.codes import new_tracking_code


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    MESSENGER = "messenger", _("Messenger")
    SIGNAL = "signal", _("Signal")
    OTHER = "other", _("Other messaging")
    MONITORING = "monitoring", _("Escalated by monitors")


class Category(models.TextChoices):
    ELECTORAL_PROCESS = (
        "electoral_process",
        _("False or misleading information about the electoral process"),
    )
    HATE_SPEECH = "hate_speech", _("Hate speech")
    INCITEMENT = "incitement", _("Incitement to violence")
    THREATS = (
        "threats",
        _("Threats or harassment of election officials, journalists or candidates"),
    )
    IMPERSONATION = "impersonation", _("Impersonation")
    MANIPULATED_MEDIA = "manipulated_media", _("Manipulated or AI-generated media")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("Under review")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")


class PreferredChannel(models.TextChoices):
    NONE = "", _("No preference")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")


class Report(models.Model):
    code = models.CharField(
        _("tracking code"), max_length=16, unique=True, default=new_tracking_code, editable=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    gateway = models.CharField(_("gateway"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    gender_based = models.BooleanField(_("gender-based attack"), default=False)
    text = models.TextField(_("quoted text"), blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    language_detected = models.BooleanField(default=False)
    region = models.CharField(_("region"), max_length=40, blank=True)
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    seen_where = models.CharField(_("seen where"), max_length=200, blank=True)
    # Fernet token of the JSON {"email", "phone", "preferred", "address"}; see lib.crypto.
    contact_encrypted = models.TextField(blank=True, editable=False)
    has_contact = models.BooleanField(default=False)
    consent_given = models.BooleanField(default=False)
    # Keyed hash of the sender (client IP for web/api, sender id for gateways): limits and
    # duplicate folding only, never shown.
    sender_hash = models.CharField(max_length=32, blank=True, editable=False)
    content_key = models.CharField(max_length=32, db_index=True, editable=False)
    text_key = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    idempotency_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sender_hash", "content_key", "created_at"], name="report_dedup"),
            models.Index(fields=["status", "created_at"], name="report_status"),
        ]

    def __str__(self) -> str:
        # Only the code: this string ends up in the audit log.
        return self.code

    @property
    def display_code(self) -> str:
        from sitroom.reports.codes import format_code

        return format_code(self.code)


class ReportUrl(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="urls")
    url = models.URLField(_("URL"), max_length=2000)
    canonical = models.CharField(max_length=2000)
    canonical_hash = models.CharField(max_length=32, db_index=True)
    platform = models.CharField(_("platform"), max_length=20)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.canonical


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF document")


def attachment_path(instance: ReportAttachment | None, filename: str) -> str:
    # ``filename`` is already a random name made by the intake, never the client's.
    return f"reports/{timezone.now():%Y/%m}/{filename}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the gateway")
    SENT = "sent", _("Handed to the gateway")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """A reply to a reporter through a messaging gateway (pushed, or pulled by the gateway)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="outbound")
    gateway = models.CharField(max_length=60)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient_encrypted = models.TextField(editable=False)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["gateway", "status", "id"], name="outbound_queue")]

    def __str__(self) -> str:
        return f"reply to {self.report_id} via {self.gateway} ({self.status})"


class RateCounter(models.Model):
    """One fixed-window rate-limit counter, used when the cache is the database cache.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per request counts exactly under
    concurrency, where the database cache's add+incr takes five queries and can lose counts.
    """

    key = models.CharField(max_length=120, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
