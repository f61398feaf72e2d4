from django.contrib import admin

from sitroom.monitoring.models import (
    Narrative,
    Post,
    SavedMapping,
    Source,
    WatchTerm,
)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "organisation",
        "enabled",
        "last_polled_at",
        "consecutive_failures",
    ]
    list_filter = ["kind", "enabled", "organisation"]
    readonly_fields = ["cursor", "last_polled_at", "consecutive_failures", "last_error"]


@admin.register(WatchTerm)
class WatchTermAdmin(admin.ModelAdmin):
    list_display = ["term", "kind", "entity", "language", "active"]
    list_filter = ["kind", "language", "active"]
    search_fields = ["term", "entity"]


@admin.register(Narrative)
class NarrativeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "status", "text_count", "post_count", "last_seen"]
    list_filter = ["status", "organisation"]
    exclude = ["vector_sum"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "author", "language", "state", "arrived_at"]
    list_filter = ["state", "language", "source"]
    search_fields = ["text", "author", "external_id"]
    raw_id_fields = ["content", "narrative"]
    readonly_fields = ["claimed_by", "claimed_at", "claims", "attempts", "last_error"]


@admin.register(SavedMapping)
class SavedMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_at"]
