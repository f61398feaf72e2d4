"""Reads of reports: by tracking code for the public, contact details only for those who need them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sitroom.accounts.models import Membership, OrganisationKind, Role
from sitroom.reports.codes import is_valid_code, normalise_code
from sitroom.reports.models import Report, ReportStatus

logger = logging.getLogger("sitroom.reports")


def report_by_code(raw: str) -> Report | None:
    """The report with this tracking code (typed by a person: separators, O/0, I/1 forgiven)."""
    code = normalise_code(raw)
    if not is_valid_code(code):
        return None
    return Report.objects.filter(code=code).first()


def reports_with_urls(queryset: QuerySet[Report] | None = None) -> QuerySet[Report]:
    return (queryset if queryset is not None else Report.objects.all()).prefetch_related(
        "urls", "attachments"
    )


def user_may_see_contact(user: AbstractBaseUser | AnonymousUser, report: Report) -> bool:
    """Who may read a reporter's contact details: administrators of an electoral management
    body, and the reviewers of the report's case (as the cases app tells us). Nobody else."""
    if not user.is_authenticated:
        return False
    if Membership.objects.filter(
        user_id=user.pk, role=Role.ADMIN, organisation__kind=OrganisationKind.EMB
    ).exists():
        return True
    if report.case_id is None:
        return False
    # Reviewers currently assigned to the report's case (any stage), unless they declared a
    # conflict of interest. The assignments belong to the cases app.
    assignments = getattr(report.case, "assignments", None)
    if assignments is None:
        return False
    return bool(assignments.filter(reviewer_id=user.pk, conflict_declared_at=None).exists())


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime | None
    label: str
    detail: str = ""
    url: str = ""
    appeal_url: str = ""


def _field(item: Any, *names: str) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value:
            return value
    return None


def report_public_timeline(report: Report) -> list[TimelineEntry]:
    """What the reporter may see of their report's way through review, oldest first.

    The cases app provides ``public_timeline_for_report(report)`` (items with ``at`` or
    ``when``, ``label``, ``outcome_label``, ``reasons`` or ``detail``, ``url``, as objects or
    dicts); without it, or when it fails, the report's own status.
    """
    own = [TimelineEntry(report.created_at, _("Report received"))]
    if report.status != ReportStatus.RECEIVED:
        own.append(TimelineEntry(report.updated_at, str(report.get_status_display())))
    try:
        from sitroom.cases.selectors import public_timeline_for_report
    except ImportError:
        return own
    try:
        items = list(public_timeline_for_report(report))
    except Exception:
        logger.exception("public_timeline_for_report failed; showing the report's own status")
        return own
    entries = []
    for item in items:
        label = str(_field(item, "label", "title", "status") or "")
        outcome = str(_field(item, "outcome_label") or "")
        entries.append(
            TimelineEntry(
                when=_field(item, "at", "when", "created_at", "date"),
                label=f"{label}: {outcome}" if outcome else label,
                detail=str(_field(item, "reasons", "detail", "text", "summary") or ""),
                url=str(_field(item, "url") or ""),
                appeal_url=str(_field(item, "appeal_url") or ""),
            )
        )
    return entries or own
