from django.contrib import admin

from sitroom.accounts.models import ApiToken, Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    """Read here; granted and removed on the members page, where it is audited."""

    model = Membership
    extra = 0
    can_delete = False
    readonly_fields = ["user", "role", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "accepted_at", "revoked_at"]
    exclude = ["token_digest"]
    # Sent, accepted and cancelled on the members page (audited), not here.
    readonly_fields = ["email", "organisation", "role", "accepted_at", "revoked_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]
    # A revoked token stays revoked: created and revoked by their owner (audited), not here.
    readonly_fields = ["name", "user", "hint", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
