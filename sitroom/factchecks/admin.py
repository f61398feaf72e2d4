from django.contrib import admin

from sitroom.factchecks.models import Article, ArticleTranslation, Claim, ImportRun, Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["label", "normalised", "value", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["text", "language", "status", "created_at"]
    list_filter = ["status", "language"]
    search_fields = ["text", "claimant"]
    readonly_fields = ["exact_key", "signature", "merged_into", "created_by", "organisation"]


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: publishing goes through the workspace so it is audited and indexed."""

    list_display = ["title", "status", "rating", "language", "published_at"]
    list_filter = ["status", "rating", "language"]
    search_fields = ["title", "slug"]
    readonly_fields = ["status", "published_at", "approved_by", "approved_at", "import_key"]
    inlines = [TranslationInline]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "format", "imported", "updated", "skipped"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]
