"""Pages of the review body (queue, case) and the public ones (register, criteria, appeals).

Views stay thin: parse, call one service or selector, render. Every case page starts with
``selectors.case_for_member``, which answers 404 to anyone outside the review body.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sitroom.accounts.selectors import signed_in_user
from sitroom.cases import conf, selectors, services
from sitroom.cases.forms import (
    AppealForm,
    AssessmentForm,
    AssignForm,
    ConflictForm,
    DecisionForm,
    QueueFilterForm,
    RegisterFilterForm,
)
from sitroom.cases.models import Case, CaseStatus, DecisionRule, Outcome, Stage
from sitroom.lib.hashing import ip_hash


def _member_or_404(request: HttpRequest) -> None:
    if not selectors.is_review_member(request.user):
        raise Http404


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- Review body ----------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _member_or_404(request)
    form = QueueFilterForm(request.GET or None)
    invalid = form.is_bound and not form.is_valid()  # said so, not silently unfiltered
    rows = [] if invalid else selectors.case_queue(request.user, form.filters())
    template = "cases/_queue_rows.html" if request.headers.get("HX-Request") else "cases/queue.html"
    return render(request, template, {"form": form, "rows": rows}, status=400 if invalid else 200)


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    stage = selectors.current_stage(case)
    mine = selectors.assignment_of(case, user, stage) if stage else None
    seated = list(selectors.active_assignments(case, stage)) if stage else []
    own = case.assessments.filter(stage=stage, reviewer_id=user.pk).first() if stage else None
    stages = [Stage.REVIEW]
    if case.status in (CaseStatus.APPEALED, CaseStatus.APPEAL_DECIDED):
        stages.append(Stage.APPEAL)
    visible = {s: selectors.assessments_visible_to(case, user, s) for s in stages}
    complete = bool(stage) and selectors.assessments_complete(case, stage)  # type: ignore[arg-type]
    can_decide = False
    if stage and complete:
        if case.decision_rule == DecisionRule.CHAIR:
            can_decide = bool(mine and mine.is_active and mine.is_chair)
        else:
            assessments = list(selectors.stage_assessments(case, stage))
            can_decide = (
                selectors.is_review_admin(user)
                and not selectors.took_part_before(case, user, stage)
                and selectors.majority_outcome(assessments, selectors.seats_for(case, stage))
                is None
            )
    review_decision, appeal_decision = selectors.register_decisions(case)
    return {
        "case": case,
        "stage": stage,
        "reports": case.reports.prefetch_related("urls").order_by("created_at"),  # type: ignore[attr-defined]
        "mine": mine,
        "own_assessment": own,
        "seated": seated,
        "seats": selectors.seats_for(case, stage) if stage else 0,
        "assignments": case.assignments.select_related("reviewer").order_by("stage", "assigned_at"),
        "visible_assessments": visible,
        "is_admin": selectors.is_review_admin(user),
        "can_take_seat": bool(
            stage
            and mine is None
            and len(seated) < selectors.seats_for(case, stage)
            # The appeal panel is independent of the first review.
            and not selectors.took_part_before(case, user, stage)
        ),
        "can_assess": bool(mine and mine.is_active and own is None),
        "can_decide": can_decide,
        "assign_form": AssignForm(),
        "conflict_form": ConflictForm(),
        "assessment_form": AssessmentForm(),
        "decision_form": DecisionForm(),
        "clock": selectors.case_clock(case),
        "review_decision": review_decision,
        "appeal_decision": appeal_decision,
        "appeals": selectors.case_appeals(case),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_member(request.user, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_member(request.user, pk)
    user = signed_in_user(request)
    reviewer = user
    if request.POST.get("reviewer"):
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a reviewer from the list."))
            return redirect("cases:detail", pk=case.pk)
        reviewer = form.cleaned_data["reviewer"]
    stage = selectors.current_stage(case) or Stage.REVIEW
    try:
        services.case_assign(case=case, reviewer=reviewer, by=user, stage=stage)
        messages.success(request, _("Assigned."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def conflict(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_member(request.user, pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say briefly what the conflict is."))
        return redirect("cases:detail", pk=case.pk)
    try:
        services.case_conflict_declare(
            case=case, reviewer=signed_in_user(request), reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Conflict declared: you no longer hold a seat on this case."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("cases:detail", pk=case.pk)


def _outcome_post(
    request: HttpRequest,
    pk: int,
    form_class: type[AssessmentForm] | type[DecisionForm],
    service: Callable[..., object],
    done: str,
    context_key: str,
    person_arg: str,
) -> HttpResponse:
    """Assessing and deciding share a form (outcome, reasons, redacted summary) and a flow."""
    case = selectors.case_for_member(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        person = signed_in_user(request)
        try:
            service(
                case=case,
                **{person_arg: person},
                outcome=form.cleaned_data["outcome"],
                authority=form.cleaned_data["authority"],
                reasons=form.cleaned_data["reasons"],
                public_summary=form.cleaned_data["public_summary"],
            )
            messages.success(request, done)
            return redirect("cases:detail", pk=case.pk)
        except ValidationError as exc:
            _errors(request, exc)
    context = _detail_context(request, case)
    context[context_key] = form
    return render(request, "cases/detail.html", context, status=400)


@login_required
@require_POST
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_post(
        request,
        pk,
        AssessmentForm,
        services.assessment_submit,
        _("Your assessment is recorded."),
        "assessment_form",
        "reviewer",
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_post(
        request,
        pk,
        DecisionForm,
        services.case_decide,
        _("Decision published on the register."),
        "decision_form",
        "by",
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "POST":
        services.notifications_mark_read(user=user)
        return redirect("cases:notifications")
    return render(
        request,
        "cases/notifications.html",
        {"notifications": selectors.notifications_for(user)},
    )


# --- Public: criteria and register ----------------------------------------------------------


def criteria(request: HttpRequest) -> HttpResponse:
    versions = list(selectors.published_criteria())
    language = (get_language() or "en").split("-")[0]
    shown = []
    for version in versions:
        texts = sorted(version.texts.all(), key=lambda t: (t.language != language, t.language))
        shown.append({"criteria": version, "texts": texts})
    return render(request, "cases/criteria.html", {"versions": shown})


def _register_filters(request: HttpRequest) -> tuple[RegisterFilterForm, Any]:
    """The form and the cases it selects: none while a filter cannot be read (dropping it
    silently would pass the whole register off as the filtered one)."""
    form = RegisterFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, selectors.register_cases(form.filters()).none()
    return form, selectors.register_cases(form.filters())


def register(request: HttpRequest) -> HttpResponse:
    form, cases = _register_filters(request)
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    rows = [{"case": case, "record": selectors.register_record(case)} for case in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/register.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "outcomes": Outcome.choices,
        },
        status=400 if form.errors else 200,
    )


def register_detail(request: HttpRequest, ref: str) -> HttpResponse:
    case = selectors.register_case(ref)
    review, appeal = selectors.register_decisions(case)
    return render(
        request,
        "cases/register_detail.html",
        {
            "case": case,
            "category_label": selectors.category_label(case.category),
            "review": review,
            "appeal": appeal,
            "appeal_pending": case.status == CaseStatus.APPEALED,
            "appeal_open": selectors.appeal_open(case),
            "appeal_deadline": selectors.appeal_deadline(review) if review else None,
        },
    )


def register_json(request: HttpRequest) -> JsonResponse:
    form, cases = _register_filters(request)
    if form.errors:
        response = JsonResponse({"errors": form.errors_by_field()}, status=400)
        response["Access-Control-Allow-Origin"] = "*"
        return response
    base = settings.SITE_URL
    records = [selectors.register_record(c, base_url=base) for c in cases[:1000]]
    response = JsonResponse({"count": len(records), "results": records})
    response["Access-Control-Allow-Origin"] = "*"
    return response


_CSV_COLUMNS = [
    "reference",
    "url",
    "category",
    "region",
    "language",
    "decided_at",
    "outcome",
    "authority",
    "criteria_version",
    "summary",
    "reasons",
    "appeal_status",
    "appeal_outcome",
    "appeal_reasons",
    "final_outcome",
]


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r", "|", "%"):
        return "'" + text
    return text


def register_csv(request: HttpRequest) -> HttpResponse:
    form, cases = _register_filters(request)
    if form.errors:
        lines = [f"{name}: {' '.join(errors)}" for name, errors in form.errors_by_field().items()]
        return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="register.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the accents right
    writer = csv.writer(response)
    writer.writerow(_CSV_COLUMNS)
    for case in cases[:5000]:
        r = selectors.register_record(case, base_url=settings.SITE_URL)
        d = r["decision"] or {}
        a = r["appeal_decision"] or {}
        row = [
            r["reference"],
            r["url"],
            r["category"],
            r["region"],
            r["language"],
            d.get("decided_at"),
            d.get("outcome"),
            d.get("authority"),
            d.get("criteria_version"),
            r["summary"],
            d.get("reasons"),
            r["appeal_status"],
            a.get("outcome"),
            a.get("reasons"),
            r["final_outcome"],
        ]
        writer.writerow([csv_safe(v) for v in row])
    return response


class RegisterFeed(Feed):
    feed_type = Atom1Feed
    link = "/register/"

    def title(self) -> str:
        return _("%(site)s: register of decisions") % {"site": settings.SITE_NAME}

    def subtitle(self) -> str:
        return _("Decisions of the independent review body, with their reasons.")

    def items(self) -> list[Case]:
        return list(selectors.register_cases()[:50])

    def item_title(self, item: Case) -> str:
        review, appeal = selectors.register_decisions(item)
        final = appeal or review
        outcome = final.get_outcome_display() if final else ""
        return f"{item.reference}: {outcome}"

    def item_description(self, item: Case) -> str:
        record = selectors.register_record(item)
        parts = [record["summary"], (record["decision"] or {}).get("reasons", "")]
        if record["appeal_decision"]:
            parts.append(
                _("Appeal: %(outcome)s") % {"outcome": record["appeal_decision"]["outcome_label"]}
            )
            parts.append(record["appeal_decision"]["reasons"])
        return "\n\n".join(p for p in parts if p)

    def item_link(self, item: Case) -> str:
        return reverse("cases:register_detail", args=[item.reference])

    def item_guid(self, item: Case) -> str:
        review, appeal = selectors.register_decisions(item)
        final = appeal or review
        return f"{settings.SITE_URL}/register/{item.reference}/#{final.stage if final else ''}"

    def item_updateddate(self, item: Case) -> Any:
        review, appeal = selectors.register_decisions(item)
        final = appeal or review
        return final.published_at if final else item.updated_at

    def item_pubdate(self, item: Case) -> Any:
        review, _appeal = selectors.register_decisions(item)
        return review.published_at if review else item.created_at

    def item_categories(self, item: Case) -> list[str]:
        return [c for c in (item.category, item.region) if c]


register_feed = RegisterFeed()


# --- Public: appeals ------------------------------------------------------------------------


def _rate_limited(request: HttpRequest) -> bool:
    """At most SITROOM_APPEAL_RATE_LIMIT appeals per hashed address per hour."""
    bucket = timezone.now().strftime("%Y%m%d%H")
    key = f"cases:appeal:{ip_hash(request, purpose='appeal')}:{bucket}"
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, 3600)
        count = 1
    return count > conf.APPEAL_RATE_LIMIT_PER_HOUR


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return None


def appeal(request: HttpRequest, ref: str) -> HttpResponse:
    case = selectors.register_case(ref)
    review, _appeal = selectors.register_decisions(case)
    context: dict[str, Any] = {
        "case": case,
        "review": review,
        "window_days": conf.APPEAL_WINDOW_DAYS,
        "deadline": selectors.appeal_deadline(review) if review else None,
        "next": _safe_next(request) or "",
    }
    if not selectors.appeal_open(case):
        return render(request, "cases/appeal_closed.html", context, status=410)
    initial = {}
    if request.GET.get("code"):
        initial = {"appellant": "reporter", "tracking_code": request.GET["code"][:20]}
    form = AppealForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if _rate_limited(request):
            context["form"] = form
            messages.error(request, _("Too many appeals from your connection. Try again later."))
            return render(request, "cases/appeal.html", context, status=429)
        if form.is_valid():
            if form.cleaned_data["website"]:
                # A bot filled in the hidden field: answer as if it worked, keep nothing.
                messages.success(request, _("Your appeal was received."))
                return redirect("cases:register_detail", ref=case.reference)
            try:
                services.appeal_submit(
                    case=case,
                    appellant=form.cleaned_data["appellant"],
                    statement=form.cleaned_data["statement"],
                    tracking_code=form.cleaned_data["tracking_code"],
                    contact=form.cleaned_data["contact"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Your appeal was received. A panel of other reviewers will decide it."),
                )
                return redirect(_safe_next(request) or reverse("cases:register_detail", args=[ref]))
    context["form"] = form
    return render(request, "cases/appeal.html", context, status=400 if form.errors else 200)


def notification_badge(request: HttpRequest) -> HttpResponse:
    """The unread count, for the menu (htmx) or as JSON."""
    count = selectors.unread_notification_count(request.user)
    return HttpResponse(json.dumps({"unread": count}), content_type="application/json")
