"""Every write of the cases app: grouping, priority, review, decisions, appeals, notices."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sitroom.accounts.models import Role
from sitroom.audit.services import audit_record, snapshot
from sitroom.cases import conf, selectors
from sitroom.cases.models import (
    Appeal,
    AppealStatus,
    AppellantKind,
    Assessment,
    Authority,
    BlurredImage,
    Case,
    CaseAssignment,
    CaseGroupingLock,
    CaseKey,
    CaseKeyKind,
    CaseStatus,
    CaseTextBand,
    CaseTextSignature,
    Decision,
    DecisionRule,
    Notification,
    Outcome,
    Priority,
    ReviewCriteria,
    ReviewCriteriaText,
    Stage,
)
from sitroom.core.tasks import email_send
from sitroom.lib import fingerprint
from sitroom.lib.crypto import decrypt_text, encrypt_text
from sitroom.lib.urls import canonical_url

logger = logging.getLogger("sitroom.cases")

_GROUPING_ATTEMPTS = 3


# --- Grouping -------------------------------------------------------------------------------


def _report_urls(report: Any) -> list[str]:
    """The report's content URLs in canonical form (the reports app stores them related)."""
    found: set[str] = set()
    related = getattr(report, "urls", None)
    if related is not None and hasattr(related, "all"):
        for item in related.all():
            value = getattr(item, "canonical_url", "") or getattr(item, "canonical", "")
            raw = getattr(item, "url", "") or value
            found.add(value or canonical_url(raw))
    return sorted(u for u in found if u)


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=16).hexdigest()


def _grouping_text(report: Any) -> str:
    text = getattr(report, "text", "") or ""
    return (
        text if len(fingerprint.normalise_for_dedup(text)) >= conf.MIN_GROUPING_TEXT_CHARS else ""
    )


def _keys_for(report: Any) -> list[tuple[str, str]]:
    keys = [(CaseKeyKind.URL.value, _digest(u)) for u in _report_urls(report)]
    text = _grouping_text(report)
    if text:
        keys.append((CaseKeyKind.TEXT.value, fingerprint.exact_key(text)))
    attachments = getattr(report, "attachments", None)
    if attachments is not None and hasattr(attachments, "values_list"):
        # The same screenshot forwarded many times: identical bytes after the intake's cleaning.
        for sha in sorted(set(attachments.values_list("sha256", flat=True))):
            keys.append((CaseKeyKind.FILE.value, sha[:64]))
    return keys


def _matching_case(keys: list[tuple[str, str]], signature: Any) -> Case | None:
    """The case that already holds one of the keys, else the closest near-duplicate text."""
    if keys:
        match = models.Q()
        for kind, value in keys:
            match |= models.Q(kind=kind, value=value)
        hits = list(CaseKey.objects.filter(match).select_related("case"))
        if hits:
            # The strongest evidence first (same post, then same file, then same text), then
            # the oldest case.
            strength = {CaseKeyKind.URL: 0, CaseKeyKind.FILE: 1, CaseKeyKind.TEXT: 2}
            hits.sort(key=lambda k: (strength.get(CaseKeyKind(k.kind), 3), k.case.created_at))
            return hits[0].case
    if signature is None:
        return None
    candidates = (
        CaseTextSignature.objects.filter(bands__key__in=fingerprint.lsh_keys(signature))
        .distinct()
        .select_related("case")
    )
    threshold = conf.TEXT_SIMILARITY_PERCENT / 100
    best: tuple[float, Case] | None = None
    for candidate in candidates:
        score = fingerprint.similarity(
            signature, fingerprint.signature_from_bytes(bytes(candidate.signature))
        )
        if score >= threshold and (best is None or score > best[0]):
            best = (score, candidate.case)
    return best[1] if best else None


class _AlreadyGrouped(Exception):
    def __init__(self, case_id: int) -> None:
        self.case_id = case_id


def case_attach_report(*, report: Any) -> Case:
    """Put a stored report into its case, creating the case if it is the first of its kind.

    Idempotent (a report already in a case is left there) and race-safe: new cases are created
    under a lock row and every grouping key is unique, so a concurrent duplicate fails with
    IntegrityError and the whole grouping is simply tried again.
    """
    for attempt in range(1, _GROUPING_ATTEMPTS + 1):
        try:
            return _case_attach_report(report)
        except _AlreadyGrouped as done:
            return Case.objects.get(pk=done.case_id)
        except IntegrityError:
            if attempt == _GROUPING_ATTEMPTS:
                raise
            logger.info("grouping of report %s raced another worker; retrying", report.pk)
    raise AssertionError("unreachable")


@transaction.atomic
def _case_attach_report(report: Any) -> Case:
    report_model = type(report)
    report = report_model.objects.select_for_update().get(pk=report.pk)
    if report.case_id is not None:
        raise _AlreadyGrouped(report.case_id)
    keys = _keys_for(report)
    text = _grouping_text(report)
    signature = fingerprint.minhash(text) if text else None

    case = _matching_case(keys, signature)
    created = False
    if case is None:
        # Serialise case creation, then look again: a concurrent worker may have just made it.
        CaseGroupingLock.objects.get_or_create(id=1)
        CaseGroupingLock.objects.select_for_update().get(id=1)
        case = _matching_case(keys, signature)
    if case is None:
        case = Case.objects.create(
            title=_title_of(report),
            category=getattr(report, "category", "") or "",
            language=getattr(report, "language", "") or "",
            region=getattr(report, "region", "") or "",
            reviewers_required=conf.REVIEWERS_PER_CASE,
            decision_rule=conf.DECISION_RULE,
            created_at=getattr(report, "created_at", None) or timezone.now(),
        )
        created = True
        audit_record(action="case.create", obj=case, after=snapshot(case))
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = snapshot(case, ["report_count", "priority", "priority_score", "category"])

    existing = set(
        CaseKey.objects.filter(
            value__in=[v for _, v in keys], kind__in=[k for k, _ in keys]
        ).values_list("kind", "value")
    )
    for kind, value in keys:
        if (kind, value) not in existing:
            CaseKey.objects.create(case=case, kind=kind, value=value)
    if signature is not None and not CaseTextSignature.objects.filter(report_id=report.pk).exists():
        stored = CaseTextSignature.objects.create(
            case=case, report_id=report.pk, signature=fingerprint.signature_to_bytes(signature)
        )
        CaseTextBand.objects.bulk_create(
            [CaseTextBand(signature=stored, key=k) for k in fingerprint.lsh_keys(signature)]
        )

    updated = report_model.objects.filter(pk=report.pk, case__isnull=True).update(case=case)
    if not updated:  # pragma: no cover - the row lock above makes this a should-not-happen
        raise _AlreadyGrouped(report_model.objects.get(pk=report.pk).case_id)

    category = getattr(report, "category", "") or ""
    if category and _severity(category) > _severity(case.category):
        case.category = category
    reach = _stated_reach(report)
    if reach is not None and (case.stated_reach is None or reach > case.stated_reach):
        case.stated_reach = reach
    _sync_report_status(case, report)
    case.report_count = report_model.objects.filter(case=case).count()
    _apply_priority(case)
    case.updated_at = timezone.now()
    case.save()
    audit_record(
        action="case.report_attach",
        obj=case,
        before=before,
        after={
            **snapshot(case, ["report_count", "priority", "priority_score", "category"]),
            "report": report.pk,
            "new_case": created,
        },
    )
    return case


def _monitoring_category(posts: list[Any]) -> str:
    """The report category the posts' monitoring flags (``Post.flags``) point to."""
    from sitroom.reports.models import Category

    flags = {flag for p in posts for flag in p.flags}
    if "hate" in flags:
        return Category.HATE_SPEECH.value
    if "relevant" in flags:
        return Category.ELECTORAL_PROCESS.value
    return Category.OTHER.value


def case_create_from_monitoring(
    *,
    organisation: Any,
    post: Any | None = None,
    narrative: Any | None = None,
    title: str = "",
    by: User | None = None,
) -> Case:
    """Put a monitored post, or a narrative's top posts, into the review queue.

    The escalation enters like any report, on the ``monitoring`` channel (text, link,
    language, region, a category from the post's signals), and is grouped at once with the
    public's reports of the same link or text, so reviewers see one case. Escalating the same
    post or narrative again returns the same case (the report's idempotency key).
    """
    from sitroom.lib.hashing import keyed_hash
    from sitroom.reports import conf as report_conf
    from sitroom.reports.services import ReportDraft, report_submit

    if (post is None) == (narrative is None):
        raise ValueError("escalate either a post or a narrative")
    if post is not None:
        posts, key = [post], f"post:{post.pk}"
    else:
        assert narrative is not None
        posts = list(narrative.posts.order_by("-id")[:5])
        key = f"narrative:{narrative.pk}"
    text = "\n\n".join(dict.fromkeys(p.text for p in posts if p.text))
    if narrative is not None and (narrative.title or title):
        text = f"{narrative.title or title}\n\n{text}"
    urls = list(dict.fromkeys(p.url for p in posts if p.url))[: report_conf.MAX_URLS]
    languages = [p.language for p in posts if p.language in report_conf.REPORT_LANGUAGES]
    regions = [p.region for p in posts if p.region in dict(report_conf.REGIONS)]
    draft = ReportDraft(
        category=_monitoring_category(posts),
        urls=urls,
        text=(text or title)[: report_conf.MAX_TEXT_CHARS],
        language=languages[0] if languages else "",
        region=regions[0] if regions else "",
        seen_at=min((p.published_at for p in posts if p.published_at), default=None),
        seen_where=", ".join(dict.fromkeys(p.source.name for p in posts))[:200],
    )
    with transaction.atomic():
        intake = report_submit(
            draft=draft,
            channel="monitoring",
            sender_hash=keyed_hash(f"organisation:{organisation.pk}", purpose="report-sender"),
            gateway=f"monitoring:{organisation.pk}",
            idempotency_key=key,
            with_instant_answer=False,
        )
        case = case_attach_report(report=intake.report)
        if intake.created:
            audit_record(
                action="case.create_from_monitoring",
                obj=case,
                organisation=organisation,
                after={
                    "report": intake.report.pk,
                    "post": post.pk if post is not None else None,
                    "narrative": narrative.pk if narrative is not None else None,
                },
                actor_user=by,
            )
    return case


def _title_of(report: Any) -> str:
    text = " ".join((getattr(report, "text", "") or "").split())
    if not text:
        urls = _report_urls(report)
        text = urls[0] if urls else ""
    return text[:197] + "…" if len(text) > 200 else text


_REACH = re.compile(
    r"(\d[\d\s.,]*)\s*(k|m|mille|million|millions|mil)?\s*"
    r"(views|vues|shares|partages|followers|abonn[ée]s|members|membres|people|personnes|"
    r"likes|visualiza[çc][õo]es|vistas|seguidores|compartilhamentos|wafuasi|watu)\b",
    re.IGNORECASE,
)
_SCALE = {"k": 1_000, "mille": 1_000, "mil": 1_000, "m": 1_000_000, "million": 1_000_000}


def stated_reach(text: str) -> int | None:
    """The largest audience a report states ("shared 12,000 times", "45k vues"), if any."""
    best = None
    for match in _REACH.finditer(text or ""):
        digits = re.sub(r"[\s.,]", "", match.group(1))
        if not digits.isdigit() or len(digits) > 12:
            continue
        scale = _SCALE.get((match.group(2) or "").lower().rstrip("s"), 1)
        value = int(digits) * scale
        best = value if best is None else max(best, value)
    return best


def _stated_reach(report: Any) -> int | None:
    for name in ("stated_reach", "reach"):
        value = getattr(report, name, None)
        if isinstance(value, int) and value >= 0:
            return value
    text = " ".join([getattr(report, "text", "") or "", getattr(report, "seen_where", "") or ""])
    return stated_reach(text)


# --- Priority -------------------------------------------------------------------------------

# A single report of the most severe kind is high priority on any day; volume, reach and the
# election calendar push it to critical.
_LEVELS = [(15.0, Priority.CRITICAL), (5.0, Priority.HIGH), (3.0, Priority.NORMAL)]


def _severity(category: str) -> int:
    return conf.CATEGORY_SEVERITY.get(category, conf.DEFAULT_SEVERITY)


def priority_score(
    *, category: str, report_count: int, stated_reach: int | None, now: datetime | None = None
) -> tuple[float, str]:
    """Urgency of a case: severity x volume x reach x election calendar. Returns (score, level).

    Volume and reach grow logarithmically so a brigade of identical reports cannot bury a
    single report of violence.
    """
    volume = 1 + math.log2(max(report_count, 1))
    reach = 1 + min(math.log10(stated_reach), 9) / 3 if stated_reach and stated_reach > 1 else 1
    score = round(_severity(category) * volume * reach * selectors.election_multiplier(now), 3)
    level = next((lvl for floor, lvl in _LEVELS if score >= floor), Priority.LOW)
    return score, str(level)


def _apply_priority(case: Case, now: datetime | None = None) -> None:
    case.priority_score, case.priority = priority_score(
        category=case.category,
        report_count=case.report_count,
        stated_reach=case.stated_reach,
        now=now,
    )


@transaction.atomic
def case_priority_recompute(*, case: Case, now: datetime | None = None) -> Case:
    """Recompute one case's priority (e.g. when the election phase changes)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = snapshot(case, ["priority", "priority_score"])
    _apply_priority(case, now)
    if before != snapshot(case, ["priority", "priority_score"]):
        case.save(update_fields=["priority", "priority_score"])
        audit_record(
            action="case.priority", obj=case, before=before, after=snapshot(case, list(before))
        )
    return case


# --- Notifications --------------------------------------------------------------------------


@transaction.atomic
def notification_create(*, user: User, message: str, url: str = "") -> Notification:
    """An in-app notice for one person; any app may call this."""
    return Notification.objects.create(user=user, message=str(message)[:300], url=url[:300])


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())


# --- Assignment and conflicts ---------------------------------------------------------------


def _notify_assigned(assignment: CaseAssignment) -> None:
    case, reviewer = assignment.case, assignment.reviewer
    url = reverse("cases:detail", args=[case.pk])
    if assignment.stage == Stage.APPEAL:
        message = _("You are on the appeal panel of case %(ref)s.") % {"ref": case.reference}
    else:
        message = _("You are assigned to review case %(ref)s.") % {"ref": case.reference}
    notification_create(user=reviewer, message=message, url=url)
    if reviewer.email:
        body = "\n\n".join(
            [
                str(message),
                str(_("Open it here: %(url)s")) % {"url": settings.SITE_URL + url},
                str(_("Assess it on your own, and declare any conflict of interest first.")),
            ]
        )
        subject = str(
            _("[%(site)s] Case %(ref)s") % {"site": settings.SITE_NAME, "ref": case.reference}
        )
        to = [reviewer.email]
        transaction.on_commit(lambda: email_send.enqueue(to=to, subject=subject, body=body))


# The reporter's tracking page shows the report's own status too; keep it in step.
_REPORT_STATUS = {
    CaseStatus.IN_REVIEW: "in_review",
    CaseStatus.DECIDED: "decided",
    CaseStatus.APPEALED: "in_review",
    CaseStatus.APPEAL_DECIDED: "decided",
}


def _sync_report_status(case: Case, report: Any) -> None:
    """A report joining a case already under review or decided takes the case's state."""
    report_status = _REPORT_STATUS.get(CaseStatus(case.status))
    if report_status is None or getattr(report, "status", report_status) == report_status:
        return
    try:
        from sitroom.reports.services import report_status_set
    except ImportError:
        return
    report_status_set(report=report, status=report_status)


def _set_status(case: Case, status: str) -> None:
    if case.status == status:
        return
    case.status = status
    case.status_changed_at = timezone.now()
    report_status = _REPORT_STATUS.get(CaseStatus(status))
    if report_status is None:
        return
    try:
        from sitroom.reports.services import report_status_set
    except ImportError:
        return
    for report in case.reports.exclude(status=report_status):  # type: ignore[attr-defined]
        report_status_set(report=report, status=report_status)


@transaction.atomic
def case_assign(
    *, case: Case, reviewer: User, by: User, stage: str = Stage.REVIEW
) -> CaseAssignment:
    """Give a reviewer a seat on a case (or on its appeal panel). Idempotent.

    Reviewers may take a seat themselves; review-body admins may seat anyone of the body.
    An appeal panel never includes anyone who held a seat in the first review.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not selectors.is_review_member(reviewer):
        raise ValidationError(_("Only members of the review body can be assigned."))
    if by.pk != reviewer.pk and not selectors.is_review_admin(by):
        raise ValidationError(_("Only an administrator of the review body can assign others."))
    if selectors.current_stage(case) != stage:
        raise ValidationError(_("This case is not open for that kind of review."))
    existing = case.assignments.filter(stage=stage, reviewer=reviewer).first()
    if existing is not None:
        if not existing.is_active:
            raise ValidationError(_("This reviewer declared a conflict of interest on this case."))
        return existing
    if selectors.took_part_before(case, reviewer, stage):
        raise ValidationError(
            _("The appeal panel must be independent: this person reviewed the case.")
        )
    seated = selectors.active_assignments(case, stage)
    if seated.count() >= selectors.seats_for(case, stage):
        raise ValidationError(_("Every seat on this case is taken."))
    before = snapshot(case, ["status"])
    assignment = CaseAssignment.objects.create(
        case=case,
        stage=stage,
        reviewer=reviewer,
        assigned_by=by,
        # Under the chair rule the first seated reviewer chairs (and hands over on a conflict).
        is_chair=case.decision_rule == DecisionRule.CHAIR
        and not seated.filter(is_chair=True).exists(),
    )
    if stage == Stage.REVIEW:
        _set_status(case, CaseStatus.IN_REVIEW)
        case.save(update_fields=["status", "status_changed_at"])
    audit_record(
        action="case.assign",
        obj=case,
        before=before,
        after={
            "status": case.status,
            "reviewer": reviewer.get_username(),
            "stage": stage,
            "chair": assignment.is_chair,
        },
        actor_user=by,
    )
    _notify_assigned(assignment)
    return assignment


@transaction.atomic
def case_conflict_declare(*, case: Case, reviewer: User, reason: str) -> CaseAssignment:
    """The reviewer steps off the case; their seat (and any assessment) is freed."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    stage = selectors.current_stage(case)
    assignment = case.assignments.filter(stage=stage, reviewer=reviewer).first() if stage else None
    if assignment is None or stage is None:
        raise ValidationError(_("You do not hold a seat on this case."))
    if not assignment.is_active:
        return assignment
    before = snapshot(assignment, ["conflict_declared_at", "is_chair"])
    assignment.conflict_declared_at = timezone.now()
    assignment.conflict_reason = reason.strip()
    was_chair = assignment.is_chair
    assignment.is_chair = False
    assignment.save(update_fields=["conflict_declared_at", "conflict_reason", "is_chair"])
    withdrawn = case.assessments.filter(stage=stage, reviewer=reviewer).first()
    if withdrawn is not None:
        audit_record(action="case.assessment_withdraw", obj=case, before=snapshot(withdrawn))
        withdrawn.delete()
    if was_chair:
        successor = selectors.active_assignments(case, stage).order_by("assigned_at").first()
        if successor is not None:
            successor.is_chair = True
            successor.save(update_fields=["is_chair"])
    audit_record(
        action="case.conflict_declare",
        obj=case,
        before=before,
        after={**snapshot(assignment, ["conflict_declared_at", "is_chair"]), "stage": stage},
        actor_user=reviewer,
    )
    for admin in _review_admins():
        notification_create(
            user=admin,
            message=_("A seat on case %(ref)s is free again (conflict of interest).")
            % {"ref": case.reference},
            url=reverse("cases:detail", args=[case.pk]),
        )
    return assignment


def _review_admins() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.ADMIN,
            memberships__organisation__in=selectors.review_body_organisations(),
        ).distinct()
    )


# --- Assessment and decision ----------------------------------------------------------------


def _check_outcome(outcome: str, authority: str) -> str:
    if outcome not in Outcome.values:
        raise ValidationError(_("Unknown outcome."))
    if outcome == Outcome.AUTHORITY_REFERRAL:
        if authority not in Authority.values:
            raise ValidationError(_("Name the authority the case is referred to."))
        return authority
    return ""


@transaction.atomic
def assessment_submit(
    *,
    case: Case,
    reviewer: User,
    outcome: str,
    reasons: str,
    public_summary: str,
    authority: str = "",
) -> Assessment:
    """One seated reviewer's own assessment, against the criteria published now.

    Under the majority rule the decision is taken as soon as every seat has assessed and one
    outcome has more than half of the seats.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    stage = selectors.current_stage(case)
    assignment = case.assignments.filter(stage=stage, reviewer=reviewer).first() if stage else None
    if stage is None or assignment is None or not assignment.is_active:
        raise ValidationError(_("You do not hold a seat on this case."))
    if case.assessments.filter(stage=stage, reviewer=reviewer).exists():
        raise ValidationError(_("You have already assessed this case."))
    if not reasons.strip():
        raise ValidationError(_("Write your reasons."))
    authority = _check_outcome(outcome, authority)
    assessment = Assessment.objects.create(
        case=case,
        stage=stage,
        reviewer=reviewer,
        criteria=selectors.current_criteria(),
        outcome=outcome,
        authority=authority,
        reasons=reasons.strip(),
        public_summary=public_summary.strip(),
    )
    audit_record(
        action="case.assess",
        obj=case,
        after={
            "assessment": assessment.pk,
            "stage": stage,
            "outcome": outcome,
            "authority": authority,
            "criteria_version": assessment.criteria.version if assessment.criteria else None,
            "no_conflict_declared": True,
        },
        actor_user=reviewer,
    )
    if selectors.assessments_complete(case, stage):
        _on_assessments_complete(case, stage)
    return assessment


def _on_assessments_complete(case: Case, stage: str) -> None:
    assessments = list(selectors.stage_assessments(case, stage))
    url = reverse("cases:detail", args=[case.pk])
    if case.decision_rule == DecisionRule.MAJORITY:
        winner = selectors.majority_outcome(assessments, selectors.seats_for(case, stage))
        if winner is not None:
            outcome, authority = winner
            majority = [a for a in assessments if a.outcome == outcome]
            _decision_take(
                case=case,
                stage=stage,
                outcome=outcome,
                authority=authority,
                # Each distinct reasoning once: reviewers who agree often write alike.
                reasons="\n\n".join(dict.fromkeys(a.reasons for a in majority)),
                public_summary=next((a.public_summary for a in majority if a.public_summary), ""),
                rule=DecisionRule.MAJORITY,
                assessments=assessments,
                by=None,
            )
            return
        recipients = _review_admins()
        message = _("Case %(ref)s has no majority: an administrator must decide.")
    else:
        chair = selectors.chair_of(case, stage)
        recipients = [chair.reviewer] if chair else _review_admins()
        message = _("Every assessment of case %(ref)s is in: the chair can decide.")
    for user in recipients:
        notification_create(user=user, message=message % {"ref": case.reference}, url=url)


@transaction.atomic
def case_decide(
    *,
    case: Case,
    by: User,
    outcome: str,
    reasons: str,
    public_summary: str,
    authority: str = "",
) -> Decision:
    """A decision taken by a person: the chair (chair rule), or an admin breaking a deadlock.

    Every seat must have assessed first. Under the majority rule the admin may only choose an
    outcome (and, for a referral, the authority) that one of the reviewers proposed, and never
    decides an appeal of a case they reviewed: the panel's independence would be lost.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    stage = selectors.current_stage(case)
    if stage is None:
        raise ValidationError(_("This case is not waiting for a decision."))
    if not selectors.assessments_complete(case, stage):
        raise ValidationError(_("Every reviewer must assess the case before a decision."))
    authority = _check_outcome(outcome, authority)
    assessments = list(selectors.stage_assessments(case, stage))
    if case.decision_rule == DecisionRule.CHAIR:
        chair = selectors.chair_of(case, stage)
        if chair is None or chair.reviewer_id != by.pk:
            raise ValidationError(_("Only the chair of this case can decide it."))
    else:
        if not selectors.is_review_admin(by):
            raise ValidationError(_("Only an administrator of the review body can break a tie."))
        if (
            case.assignments.filter(stage=stage, reviewer=by)
            .exclude(conflict_declared_at=None)
            .exists()
        ):
            raise ValidationError(_("You declared a conflict of interest on this case."))
        if selectors.took_part_before(case, by, stage):
            raise ValidationError(
                _("The appeal must be decided independently: you took part in the first review.")
            )
        if selectors.majority_outcome(assessments, selectors.seats_for(case, stage)) is not None:
            raise ValidationError(_("The reviewers' majority has decided this case."))
        if (outcome, authority) not in {selectors.proposal_of(a) for a in assessments}:
            raise ValidationError(
                _("Choose one of the outcomes, with its authority, that the reviewers proposed.")
            )
    if not reasons.strip() or not public_summary.strip():
        raise ValidationError(_("Write the reasons and the redacted summary."))
    return _decision_take(
        case=case,
        stage=stage,
        outcome=outcome,
        authority=authority,
        reasons=reasons.strip(),
        public_summary=public_summary.strip(),
        rule=DecisionRule(case.decision_rule),
        assessments=assessments,
        by=by,
    )


def _decision_take(
    *,
    case: Case,
    stage: str,
    outcome: str,
    authority: str,
    reasons: str,
    public_summary: str,
    rule: DecisionRule,
    assessments: list[Assessment],
    by: User | None,
) -> Decision:
    votes: dict[str, int] = {}
    for a in assessments:
        votes[a.outcome] = votes.get(a.outcome, 0) + 1
    before = snapshot(case, ["status"])
    decision = Decision.objects.create(
        case=case,
        stage=stage,
        outcome=outcome,
        authority=authority,
        reasons=reasons,
        public_summary=public_summary,
        criteria=selectors.current_criteria(),
        rule=rule,
        votes=votes,
        decided_by=by,
    )
    audit_record(
        action="case.decide",
        obj=case,
        after={
            "decision": decision.pk,
            "stage": stage,
            "outcome": outcome,
            "authority": authority,
            "rule": rule,
            "votes": votes,
        },
    )
    _decision_publish(case=case, decision=decision, before=before, by=by)
    return decision


def _decision_publish(
    *, case: Case, decision: Decision, before: dict[str, Any], by: User | None
) -> None:
    decision.published_at = timezone.now()
    decision.save(update_fields=["published_at"])
    if decision.stage == Stage.REVIEW:
        _set_status(case, CaseStatus.DECIDED)
        _blur_case_images(case, decision)
    else:
        _set_status(case, CaseStatus.APPEAL_DECIDED)
        case.appeals.filter(status=AppealStatus.RECEIVED).update(status=AppealStatus.DECIDED)
    case.updated_at = timezone.now()
    case.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        action="decision.publish",
        obj=decision,
        before=before,
        after={"status": case.status, "published_at": decision.published_at},
    )
    if decision.outcome == Outcome.FACT_CHECK:
        factcheck_handover(case=case, by=by)
    _notify_reporters(case, decision)
    if decision.stage == Stage.APPEAL:
        _notify_authors(case, decision)


def factcheck_handover(*, case: Case, by: User | None) -> Any:
    """The seam to the fact-check workflow: a claim for the fact-checkers' shared queue."""
    try:
        from sitroom.factchecks.services import claim_create_from_case
    except ImportError:
        logger.warning("fact-check workflow not installed; case %s not handed over", case.pk)
        return None
    claim = claim_create_from_case(case=case, by=by)
    audit_record(action="case.factcheck_handover", obj=case, after={"claim": claim})
    return claim


def _notify_reporters(case: Case, decision: Decision) -> None:
    """Tell every reporter of the case the outcome (through the reports app), after commit."""
    try:
        from sitroom.reports.services import report_notify_reporter
    except ImportError:
        logger.warning("reports app has no report_notify_reporter; reporters not told")
        return
    register_url = settings.SITE_URL + reverse("cases:register_detail", args=[case.reference])
    if decision.stage == Stage.APPEAL:
        subject = str(_("The appeal on your report was decided"))
        intro = str(_("An independent panel decided the appeal: %(outcome)s."))
    else:
        subject = str(_("Your report was reviewed"))
        intro = str(_("The independent reviewers decided: %(outcome)s."))
    message = "\n\n".join(
        [
            intro % {"outcome": decision.get_outcome_display()},
            decision.reasons,
            str(_("Details: %(url)s")) % {"url": register_url},
        ]
    )
    report_ids = list(case.reports.values_list("pk", flat=True))

    def send() -> None:
        for report in case.reports.model.objects.filter(pk__in=report_ids):
            try:
                report_notify_reporter(report=report, subject=subject, message=message)
            except Exception:  # one reporter's failure must not stop the others
                logger.exception("could not notify the reporter of report %s", report.pk)

    transaction.on_commit(send)


def _notify_authors(case: Case, decision: Decision) -> None:
    """Email the outcome to authors who appealed and left an email address."""
    url = settings.SITE_URL + reverse("cases:register_detail", args=[case.reference])
    subject = str(_("Your appeal was decided"))
    body = "\n\n".join(
        [
            str(_("An independent panel decided your appeal: %(outcome)s."))
            % {"outcome": decision.get_outcome_display()},
            decision.reasons,
            url,
        ]
    )
    emails = [
        contact
        for contact in (
            decrypt_text(token)
            for token in case.appeals.filter(appellant=AppellantKind.AUTHOR)
            .exclude(contact_encrypted="")
            .values_list("contact_encrypted", flat=True)
        )
        if "@" in contact
    ]

    def send() -> None:
        for email in emails:
            email_send.enqueue(to=[email], subject=subject, body=body)

    if emails:
        transaction.on_commit(send)


# --- Blurred images for the register -------------------------------------------------------

BLUR_THUMBNAIL = (480, 480)
BLUR_RADIUS = 18


def blurred_thumbnail(data: bytes) -> bytes:
    """A small, heavily blurred JPEG of an image: enough to recognise it, not to reuse it."""
    from PIL import Image, ImageFilter

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        thumb = img.convert("RGB")
    thumb.thumbnail(BLUR_THUMBNAIL)
    thumb = thumb.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=70)  # re-encoded: no metadata survives
    return out.getvalue()


@transaction.atomic
def decision_image_add(*, decision: Decision, data: bytes) -> BlurredImage:
    """Store a blurred thumbnail of an image for the register; the original is not kept here."""
    try:
        blurred = blurred_thumbnail(data)
    except Exception as exc:  # Pillow raises many kinds for a file that is not an image
        raise ValidationError(_("This file is not an image we can read.")) from exc
    image = BlurredImage(decision=decision)
    image.image.save("blurred.jpg", ContentFile(blurred), save=True)
    audit_record(action="decision.image_add", obj=decision, after={"image": image.pk})
    return image


def _blur_case_images(case: Case, decision: Decision) -> None:
    for report in case.reports.all():
        attachments = getattr(report, "attachments", None)
        if attachments is None:
            continue
        for attachment in attachments.filter(kind="image"):
            try:
                with attachment.file.open("rb") as fh:
                    decision_image_add(decision=decision, data=fh.read())
            except (OSError, ValidationError):
                logger.warning("could not blur attachment %s of case %s", attachment.pk, case.pk)


# --- Appeals --------------------------------------------------------------------------------


@transaction.atomic
def appeal_submit(
    *,
    case: Case,
    appellant: str,
    statement: str,
    tracking_code: str = "",
    contact: str = "",
    now: datetime | None = None,
) -> Appeal:
    """An appeal by the reporter (with their tracking code) or the content's author.

    Accepted only inside the appeal window after publication, and before the appeal panel's
    decision (which is final).
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not selectors.appeal_open(case, now):
        raise ValidationError(_("This decision can no longer be appealed."))
    review, _appeal = selectors.register_decisions(case)
    assert review is not None  # appeal_open guarantees it
    if not statement.strip():
        raise ValidationError(_("Say why the decision should change."))
    report_id = None
    if appellant == AppellantKind.REPORTER:
        report = _report_by_code(case, tracking_code)
        if report is None:
            raise ValidationError(_("This tracking code is not one of this case's reports."))
        report_id = report.pk
        if case.appeals.filter(report_id=report_id).exists():
            raise ValidationError(_("You have already appealed this decision."))
    elif appellant != AppellantKind.AUTHOR:
        raise ValidationError(_("Say who is appealing."))
    before = snapshot(case, ["status"])
    appeal = Appeal.objects.create(
        case=case,
        decision=review,
        appellant=appellant,
        report_id=report_id,
        statement=statement.strip(),
        contact_encrypted=encrypt_text(contact.strip()),
    )
    _set_status(case, CaseStatus.APPEALED)
    case.save(update_fields=["status", "status_changed_at"])
    audit_record(
        action="appeal.submit",
        obj=case,
        before=before,
        after={
            "status": case.status,
            "appeal": appeal.pk,
            "appellant": appellant,
            "has_contact": bool(contact.strip()),
        },
    )
    for admin in _review_admins():
        notification_create(
            user=admin,
            message=_("Case %(ref)s was appealed: seat an independent panel.")
            % {"ref": case.reference},
            url=reverse("cases:detail", args=[case.pk]),
        )
    return appeal


def _report_by_code(case: Case, tracking_code: str) -> Any:
    from sitroom.reports.codes import normalise_code

    code = normalise_code(tracking_code)
    if not code:
        return None
    return case.reports.filter(code=code).first()


# --- Criteria -------------------------------------------------------------------------------


@transaction.atomic
def criteria_publish(
    *,
    texts: dict[str, tuple[str, str]],
    by: User | None = None,
    published_at: datetime | None = None,
) -> ReviewCriteria:
    """Publish a new version of the review criteria: {language: (title, body)}.

    Versions are never edited once published; a change is a new version, and every decision
    records the version it was taken under.
    """
    if not texts:
        raise ValidationError(_("The criteria need a text in at least one language."))
    last = ReviewCriteria.objects.order_by("-version").first()
    criteria = ReviewCriteria.objects.create(
        version=(last.version + 1) if last else 1, published_at=published_at or timezone.now()
    )
    for language, (title, body) in texts.items():
        ReviewCriteriaText.objects.create(
            criteria=criteria, language=language, title=title, body=body
        )
    audit_record(
        action="criteria.publish",
        obj=criteria,
        after={"version": criteria.version, "languages": sorted(texts)},
        actor_user=by,
    )
    return criteria
