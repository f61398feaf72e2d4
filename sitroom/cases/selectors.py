"""Reads of the cases app. Who may see cases is decided here, and only here.

The review body: a person with role reviewer or admin in an organisation of a kind listed in
SITROOM_REVIEW_BODY_KINDS (default: electoral management bodies and civil society), or in an
organisation designated explicitly in the admin (``ReviewBody``). Nobody else sees cases:
not fact-checkers, monitors, analysts, viewers, nor platform staff; for them every case page
and API endpoint answers 404.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sitroom.accounts.models import Membership, Organisation, Role
from sitroom.cases import conf
from sitroom.cases.models import (
    Appeal,
    Assessment,
    Case,
    CaseAssignment,
    CaseStatus,
    Decision,
    ElectionCalendar,
    Notification,
    Outcome,
    Phase,
    PhaseKind,
    ReviewCriteria,
    Stage,
)

AnyUser = AbstractBaseUser | AnonymousUser

REVIEW_ROLES = (Role.REVIEWER.value, Role.ADMIN.value)
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_REVIEW, CaseStatus.APPEALED)

# Days before polling day over which the calendar proximity bonus grows to its maximum.
PROXIMITY_DAYS = 30
PROXIMITY_MAX_BONUS = 0.5


# --- Election calendar ----------------------------------------------------------------------


def active_calendar() -> ElectionCalendar | None:
    return ElectionCalendar.objects.filter(is_active=True).order_by("-created_at").first()


def current_phase(now: datetime | None = None) -> Phase | None:
    calendar = active_calendar()
    if calendar is None:
        return None
    now = now or timezone.now()
    return (
        calendar.phases.filter(starts_at__lte=now, ends_at__gt=now).order_by("-starts_at").first()
    )


def election_multiplier(now: datetime | None = None) -> float:
    """The current phase's multiplier, raised further as polling day comes closer."""
    now = now or timezone.now()
    calendar = active_calendar()
    if calendar is None:
        return 1.0
    phase = current_phase(now)
    multiplier = phase.multiplier if phase is not None else 1.0
    polling = (
        calendar.phases.filter(kind=PhaseKind.POLLING, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    if polling is not None:
        days = max((polling.starts_at - now).total_seconds() / 86400, 0.0)
        if days < PROXIMITY_DAYS:
            multiplier *= 1 + PROXIMITY_MAX_BONUS * (PROXIMITY_DAYS - days) / PROXIMITY_DAYS
    return multiplier


# --- Who is in the review body --------------------------------------------------------------


def review_body_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        Q(kind__in=conf.REVIEW_BODY_KINDS) | Q(review_body__isnull=False)
    ).distinct()


def _review_memberships(user: AnyUser, roles: tuple[str, ...]) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(
        user_id=user.pk, role__in=roles, organisation__in=review_body_organisations()
    )


def is_review_member(user: AnyUser) -> bool:
    return _review_memberships(user, REVIEW_ROLES).exists()


def is_review_admin(user: AnyUser) -> bool:
    return _review_memberships(user, (Role.ADMIN.value,)).exists()


def review_members() -> QuerySet[User]:
    """Everyone who may be assigned to a case (reviewers and admins of the review body)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=REVIEW_ROLES,
            memberships__organisation__in=review_body_organisations(),
        )
        .distinct()
        .order_by("username")
    )


def cases_visible_to(user: AnyUser) -> QuerySet[Case]:
    if not is_review_member(user):
        return Case.objects.none()
    return Case.objects.all()


def case_for_member(user: AnyUser, case_id: int | str) -> Case:
    """The case if the user belongs to the review body, else 404 (never 403)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = cases_visible_to(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


# --- Review state ---------------------------------------------------------------------------


def current_stage(case: Case) -> str | None:
    """The stage whose assessments are being collected, or None when nothing is open."""
    if case.status in (CaseStatus.NEW, CaseStatus.IN_REVIEW):
        return Stage.REVIEW
    if case.status == CaseStatus.APPEALED:
        return Stage.APPEAL
    return None


def seats_for(case: Case, stage: str) -> int:
    return case.reviewers_required if stage == Stage.REVIEW else conf.APPEAL_PANEL_SIZE


def active_assignments(case: Case, stage: str) -> QuerySet[CaseAssignment]:
    return case.assignments.filter(stage=stage, conflict_declared_at=None).select_related(
        "reviewer"
    )


def assignment_of(case: Case, user: AnyUser, stage: str) -> CaseAssignment | None:
    if not user.is_authenticated:
        return None
    return case.assignments.filter(stage=stage, reviewer_id=user.pk).first()


def chair_of(case: Case, stage: str) -> CaseAssignment | None:
    return active_assignments(case, stage).filter(is_chair=True).first()


def stage_assessments(case: Case, stage: str) -> QuerySet[Assessment]:
    """Assessments that count: those of reviewers still seated (not conflicted out)."""
    seated = active_assignments(case, stage).values("reviewer_id")
    return case.assessments.filter(stage=stage, reviewer_id__in=seated).select_related(
        "reviewer", "criteria"
    )


def assessments_complete(case: Case, stage: str) -> bool:
    return stage_assessments(case, stage).count() >= seats_for(case, stage)


def assessments_visible_to(case: Case, user: AnyUser, stage: str) -> list[Assessment] | None:
    """Other reviewers' assessments, or None while the user may not see them yet.

    Independence: a seated reviewer sees the others only after submitting their own; anyone
    else in the review body only once the stage is decided (or, for an admin, once every
    seat has assessed and a deadlock needs breaking).
    """
    decided = case.decisions.filter(stage=stage).exists()
    mine = assignment_of(case, user, stage)
    if decided:
        return list(stage_assessments(case, stage))
    if mine is not None:
        own = case.assessments.filter(stage=stage, reviewer_id=user.pk).exists()
        return list(stage_assessments(case, stage)) if own else None
    if is_review_admin(user) and assessments_complete(case, stage):
        return list(stage_assessments(case, stage))
    return None


def took_part_before(case: Case, user: AnyUser, stage: str) -> bool:
    """Whether the user held a seat (even one given up on a conflict) or assessed in a stage
    of the case before this one: an appeal is seated and decided independently of it."""
    if stage != Stage.APPEAL or not user.is_authenticated:
        return False
    return (
        case.assignments.filter(stage=Stage.REVIEW, reviewer_id=user.pk).exists()
        or case.assessments.filter(stage=Stage.REVIEW, reviewer_id=user.pk).exists()
    )


def proposal_of(assessment: Assessment) -> tuple[str, str]:
    """(outcome, authority): a referral to the police and one to the EMB are not one vote."""
    authority = assessment.authority if assessment.outcome == Outcome.AUTHORITY_REFERRAL else ""
    return assessment.outcome, authority


def majority_outcome(assessments: list[Assessment], seats: int) -> tuple[str, str] | None:
    """(outcome, authority) chosen by more than half of the seats, else None."""
    tally: dict[tuple[str, str], int] = {}
    for a in assessments:
        key = proposal_of(a)
        tally[key] = tally.get(key, 0) + 1
    for key, votes in tally.items():
        if votes * 2 > seats:
            return key
    return None


def current_criteria() -> ReviewCriteria | None:
    return (
        ReviewCriteria.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def published_criteria() -> QuerySet[ReviewCriteria]:
    return (
        ReviewCriteria.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .prefetch_related("texts")
        .order_by("-version")
    )


# --- The reviewers' queue -------------------------------------------------------------------

AGE_CHOICES = [
    ("", _("Any age")),
    ("lt1d", _("Less than a day")),
    ("1to3d", _("1 to 3 days")),
    ("gt3d", _("More than 3 days")),
    ("gt7d", _("More than a week")),
]


@dataclass
class QueueFilters:
    category: str = ""
    language: str = ""
    region: str = ""
    status: str = ""  # "" = every open status; "all" = every status
    age: str = ""
    assigned: str = ""  # "" | "me" | "unassigned"


@dataclass
class QueueRow:
    case: Case
    time_in_state: timedelta
    target: timedelta
    overdue: bool
    seats_taken: int
    seats: int
    mine: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def target_hours(self) -> int:
        return int(self.target.total_seconds() // 3600)


def target_for(case: Case) -> timedelta:
    return timedelta(hours=conf.TARGET_HOURS.get(case.priority, 48))


def case_clock(case: Case, now: datetime | None = None) -> tuple[timedelta, timedelta, bool]:
    """(time in the current state, target for its priority, overdue?) for an open case."""
    now = now or timezone.now()
    spent = now - case.status_changed_at
    target = target_for(case)
    return spent, target, case.status in OPEN_STATUSES and spent > target


def case_queue(
    user: AnyUser, filters: QueueFilters, *, now: datetime | None = None, limit: int = 200
) -> list[QueueRow]:
    """Cases for the review body, most urgent first: overdue, then priority, then oldest."""
    now = now or timezone.now()
    cases = cases_visible_to(user)
    if filters.status == "all":
        pass
    elif filters.status in CaseStatus.values:
        cases = cases.filter(status=filters.status)
    else:
        cases = cases.filter(status__in=OPEN_STATUSES)
    for name in ("category", "language", "region"):
        value = getattr(filters, name)
        if value:
            cases = cases.filter(**{name: value})
    day = timedelta(days=1)
    if filters.age == "lt1d":
        cases = cases.filter(created_at__gt=now - day)
    elif filters.age == "1to3d":
        cases = cases.filter(created_at__lte=now - day, created_at__gt=now - 3 * day)
    elif filters.age == "gt3d":
        cases = cases.filter(created_at__lte=now - 3 * day)
    elif filters.age == "gt7d":
        cases = cases.filter(created_at__lte=now - 7 * day)
    active = CaseAssignment.objects.filter(conflict_declared_at=None)
    if filters.assigned == "me" and user.is_authenticated:
        cases = cases.filter(pk__in=active.filter(reviewer_id=user.pk).values("case_id"))
    elif filters.assigned == "unassigned":
        cases = cases.exclude(pk__in=active.values("case_id"))
    cases = cases.prefetch_related(
        Prefetch(
            "assignments",
            queryset=CaseAssignment.objects.filter(conflict_declared_at=None),
            to_attr="seated",
        )
    ).order_by("-priority_score", "created_at")[: limit * 2]
    rows = []
    for case in cases:
        stage = current_stage(case) or Stage.REVIEW
        seated = [a for a in case.seated if a.stage == stage]  # type: ignore[attr-defined]
        spent, target, overdue = case_clock(case, now)
        rows.append(
            QueueRow(
                case=case,
                time_in_state=spent,
                target=target,
                overdue=overdue,
                seats_taken=len(seated),
                seats=seats_for(case, stage),
                mine=any(a.reviewer_id == user.pk for a in seated),
            )
        )
    rows.sort(key=lambda r: (not r.overdue, -r.case.priority_score, r.case.status_changed_at))
    return rows[:limit]


def queue_facets() -> dict[str, list[str]]:
    """Distinct values for the queue's filter menus."""
    values: dict[str, list[str]] = {}
    for name in ("category", "language", "region"):
        values[name] = sorted(v for v in Case.objects.values_list(name, flat=True).distinct() if v)
    return values


# --- The public register --------------------------------------------------------------------


@dataclass
class RegisterFilters:
    q: str = ""
    category: str = ""
    outcome: str = ""
    region: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None


def register_cases(filters: RegisterFilters | None = None) -> QuerySet[Case]:
    """Cases with a published decision, newest decision first. Public: no login."""
    filters = filters or RegisterFilters()
    published = Decision.objects.filter(published_at__isnull=False)
    cases = Case.objects.filter(
        decisions__stage=Stage.REVIEW, decisions__published_at__isnull=False
    )
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.region:
        cases = cases.filter(region=filters.region)
    if filters.outcome:
        cases = cases.filter(pk__in=published.filter(outcome=filters.outcome).values("case_id"))
    if filters.date_from:
        cases = cases.filter(
            pk__in=published.filter(published_at__gte=filters.date_from).values("case_id")
        )
    if filters.date_to:
        cases = cases.filter(
            pk__in=published.filter(published_at__lt=filters.date_to).values("case_id")
        )
    if filters.q:
        text = filters.q.strip()
        cases = cases.filter(
            Q(reference__iexact=text)
            | Q(
                pk__in=published.filter(
                    Q(public_summary__icontains=text) | Q(reasons__icontains=text)
                ).values("case_id")
            )
        )
    return (
        cases.distinct()
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=published.select_related("criteria").prefetch_related("images"),
                to_attr="published_decisions",
            )
        )
        .order_by("-status_changed_at", "-pk")
    )


def register_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Categories and regions the register can be filtered by: the reports app's lists, and
    any other value a published case carries (a region since dropped from SITROOM_REGIONS)."""
    try:
        from sitroom.reports import conf as report_conf
        from sitroom.reports.models import Category
    except ImportError:
        known: dict[str, list[tuple[str, str]]] = {"category": [], "region": []}
    else:
        known = {
            "category": [(value, str(label)) for value, label in Category.choices],
            "region": list(report_conf.REGIONS),
        }
    published = Case.objects.filter(
        decisions__stage=Stage.REVIEW, decisions__published_at__isnull=False
    ).order_by()
    for name, choices in known.items():
        listed = {value for value, _label in choices}
        stored = published.exclude(**{name: ""}).values_list(name, flat=True).distinct()
        choices.extend((value, value) for value in sorted(set(stored) - listed))
    return known


# The shape of models.new_case_reference. Anything else (a NUL byte, which PostgreSQL
# refuses in text) names no case: a 404 without asking the database.
_REFERENCE = re.compile(r"C-[A-Z0-9]{8}", re.ASCII)


def register_case(reference: str) -> Case:
    if not _REFERENCE.fullmatch(reference):
        raise Http404
    case = register_cases().filter(reference=reference).first()
    if case is None:
        raise Http404
    return case


def _decisions_of(case: Case) -> tuple[Decision | None, Decision | None]:
    decisions = getattr(case, "published_decisions", None)
    if decisions is None:
        decisions = list(case.decisions.filter(published_at__isnull=False))
    review = next((d for d in decisions if d.stage == Stage.REVIEW), None)
    appeal = next((d for d in decisions if d.stage == Stage.APPEAL), None)
    return review, appeal


def register_decisions(case: Case) -> tuple[Decision | None, Decision | None]:
    """The published (review, appeal) decisions of a case."""
    return _decisions_of(case)


def appeal_deadline(decision: Decision) -> datetime | None:
    if decision.published_at is None:
        return None
    return decision.published_at + timedelta(days=conf.APPEAL_WINDOW_DAYS)


def appeal_open(case: Case, now: datetime | None = None) -> bool:
    """Whether a new appeal is accepted: decided, not yet final, inside the window."""
    if case.status not in (CaseStatus.DECIDED, CaseStatus.APPEALED):
        return False
    review, _appeal = _decisions_of(case)
    deadline = appeal_deadline(review) if review else None
    return deadline is not None and (now or timezone.now()) <= deadline


def _decision_record(decision: Decision | None, base_url: str) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "outcome": decision.outcome,
        "outcome_label": str(decision.get_outcome_display()),
        "authority": decision.authority,
        "reasons": decision.reasons,
        "decided_at": decision.published_at.isoformat() if decision.published_at else None,
        "criteria_version": decision.criteria.version if decision.criteria else None,
        "rule": decision.rule,
        "images": [base_url + img.image.url for img in decision.images.all()],
    }


def category_label(code: str) -> str:
    """The reports app's label for a category code (the code itself when unknown)."""
    try:
        from sitroom.reports.models import Category
    except ImportError:
        return code
    return str(Category(code).label) if code in Category.values else code


def register_record(case: Case, *, base_url: str = "") -> dict[str, Any]:
    """What the public may know about a decided case. Never the reported content itself."""
    review, appeal = _decisions_of(case)
    final = appeal or review
    return {
        "reference": case.reference,
        "url": base_url + reverse("cases:register_detail", args=[case.reference]),
        "category": case.category,
        "category_label": category_label(case.category),
        "language": case.language,
        "region": case.region,
        "report_count": case.report_count,
        "summary": review.public_summary if review else "",
        "decision": _decision_record(review, base_url),
        "appeal_status": (
            "decided" if appeal else "pending" if case.status == CaseStatus.APPEALED else None
        ),
        "appeal_decision": _decision_record(appeal, base_url),
        "final_outcome": final.outcome if final is not None else None,
    }


# --- The reporter's tracking page -----------------------------------------------------------


@dataclass
class TimelineEntry:
    kind: str  # received | under_review | decided | appealed | appeal_decided
    label: str
    at: datetime | None
    outcome: str = ""
    outcome_label: str = ""
    reasons: str = ""
    url: str = ""  # the register entry, where there is one
    appeal_url: str = ""  # the appeal form while an appeal is possible


def public_timeline_for_report(report: Any) -> list[TimelineEntry]:
    """What the reporter may see about their report's case, oldest first.

    Only public facts: the same reasons and outcome the register shows, never the reviewers.
    """
    entries = [TimelineEntry("received", str(_("Received")), report.created_at)]
    case: Case | None = report.case if report.case_id else None
    if case is None:
        return entries
    first = case.assignments.filter(stage=Stage.REVIEW).order_by("assigned_at").first()
    if first is not None or case.status != CaseStatus.NEW:
        entries.append(
            TimelineEntry(
                "under_review",
                str(_("Under review")),
                first.assigned_at if first else case.status_changed_at,
            )
        )
    review, appeal = _decisions_of(case)
    if review is not None:
        can_appeal = appeal_open(case) and not _reporter_appealed(case, report)
        entries.append(
            _decision_entry(
                "decided",
                str(_("Decided")),
                review,
                appeal_url=_reporter_appeal_url(case, report) if can_appeal else "",
            )
        )
    first_appeal = case.appeals.order_by("created_at").first()
    if first_appeal is not None:
        entries.append(TimelineEntry("appealed", str(_("Appealed")), first_appeal.created_at))
    if appeal is not None:
        entries.append(_decision_entry("appeal_decided", str(_("Appeal decided")), appeal))
    return entries


def _decision_entry(
    kind: str, label: str, decision: Decision, appeal_url: str = ""
) -> TimelineEntry:
    return TimelineEntry(
        kind,
        label,
        decision.published_at,
        outcome=decision.outcome,
        outcome_label=str(decision.get_outcome_display()),
        reasons=decision.reasons,
        url=reverse("cases:register_detail", args=[decision.case.reference]),
        appeal_url=appeal_url,
    )


def _reporter_appeal_url(case: Case, report: Any) -> str:
    """The appeal form with the reporter's code filled in, returning to their tracking page."""
    query = {"code": report.code}
    with contextlib.suppress(NoReverseMatch):
        query["next"] = reverse("reports:track_detail", args=[report.code])
    return reverse("cases:appeal", args=[case.reference]) + "?" + urlencode(query)


def _reporter_appealed(case: Case, report: Any) -> bool:
    return case.appeals.filter(report_id=report.pk).exists()


def case_appeals(case: Case) -> QuerySet[Appeal]:
    return case.appeals.all()


# --- Notifications --------------------------------------------------------------------------


def unread_notification_count(user: AnyUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at=None).count()


def notifications_for(user: AnyUser, limit: int = 50) -> list[Notification]:
    if not user.is_authenticated:
        return []
    return list(Notification.objects.filter(user_id=user.pk)[:limit])
