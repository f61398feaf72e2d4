"""Admin: where the deployment sets its election calendar, criteria and review body.

Cases, decisions and appeals are read-only here: they change only through the services
(and so always through the audit log).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sitroom.cases.models import (
    Case,
    Decision,
    ElectionCalendar,
    Phase,
    ReviewBody,
    ReviewCriteria,
    ReviewCriteriaText,
)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 1


@admin.register(ElectionCalendar)
class ElectionCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    inlines = [PhaseInline]


class CriteriaTextInline(admin.StackedInline):
    model = ReviewCriteriaText
    extra = 1

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version is a public commitment: change it by publishing a new one.
        return obj is None or obj.published_at is None

    has_add_permission = has_change_permission  # type: ignore[assignment]
    has_delete_permission = has_change_permission


@admin.register(ReviewCriteria)
class ReviewCriteriaAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at", "created_at"]
    inlines = [CriteriaTextInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["version", "published_at"] if obj is not None and obj.published_at else []


@admin.register(ReviewBody)
class ReviewBodyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "created_at"]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(_ReadOnly):
    list_display = ["reference", "status", "priority", "category", "region", "report_count"]
    list_filter = ["status", "priority", "category"]
    search_fields = ["reference"]


@admin.register(Decision)
class DecisionAdmin(_ReadOnly):
    list_display = ["case", "stage", "outcome", "rule", "published_at"]
    list_filter = ["stage", "outcome"]
