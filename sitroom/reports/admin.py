from __future__ import annotations

from django.contrib import admin

from sitroom.reports.models import OutboundMessage, Report, ReportAttachment, ReportUrl


class ReportUrlInline(admin.TabularInline):
    model = ReportUrl
    extra = 0
    fields = readonly_fields = ("url", "canonical", "platform")


class ReportAttachmentInline(admin.TabularInline):
    model = ReportAttachment
    extra = 0
    fields = readonly_fields = ("kind", "content_type", "size", "sha256")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    # Contact details and sender hashes stay out of the admin: they are read through
    # report_contact_reveal, which checks who asks and audits it.
    list_display = ["code", "channel", "category", "status", "language", "region", "created_at"]
    list_filter = ["channel", "category", "status", "language", "region"]
    search_fields = ["code"]
    fields = readonly_fields = (
        "code",
        "channel",
        "gateway",
        "status",
        "category",
        "gender_based",
        "text",
        "language",
        "region",
        "seen_at",
        "seen_where",
        "has_contact",
        "case",
        "created_at",
    )
    inlines = [ReportUrlInline, ReportAttachmentInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "gateway", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["gateway", "status"]
    fields = readonly_fields = (
        "report",
        "gateway",
        "channel",
        "body",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
