"""The public web pages: the report form, its confirmation, and the tracking pages."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sitroom.lib.hashing import ip_hash
from sitroom.reports import conf
from sitroom.reports.codes import format_code, is_valid_code, new_tracking_code, normalise_code
from sitroom.reports.forms import ANONYMITY_TEXT, CONSENT_TEXT, ReportForm, TrackForm
from sitroom.reports.models import Channel
from sitroom.reports.ratelimit import rate_limit_hit
from sitroom.reports.selectors import report_by_code, report_public_timeline
from sitroom.reports.services import (
    ReportInvalid,
    report_contact_reveal,
    report_instant_answers_cached,
    report_submit,
)
from sitroom.reports.uploads import UploadRejected

logger = logging.getLogger("sitroom.reports")
SENDER_PURPOSE = "report-sender"


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request, "reports/too_many.html", {"minutes": max(1, retry_after // 60)}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def _form_page(
    request: HttpRequest, form: ReportForm, *, status: int = 200, page_error: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "page_error": page_error,
        "consent_text": CONSENT_TEXT,
        "anonymity_text": ANONYMITY_TEXT,
        "max_files": conf.MAX_FILES,
    }
    return render(request, "reports/form.html", context, status=status)


def _typed_again(request: HttpRequest) -> ReportForm:
    """An unbound form showing the text fields of a POST (no files, no honeypot)."""
    try:
        posted = request.POST  # usually read already, by the CSRF check
    except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
        return ReportForm()
    names = set(ReportForm.base_fields) - {"attachments", "website"}
    return ReportForm(initial={name: posted[name] for name in names if name in posted})


@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, ReportForm())
    sender = ip_hash(request, purpose=SENDER_PURPOSE)
    verdict = rate_limit_hit(bucket="web", sender_hash=sender)
    if not verdict.allowed:
        return _too_many(request, verdict.retry_after)
    if int(request.META.get("CONTENT_LENGTH") or 0) > conf.MAX_REPORT_BYTES + 1_048_576:
        # Refused before storing anything; the page comes back with what was typed (the
        # browser does not keep it), only the files have to be chosen again.
        message = _(
            "The files are too large to send together (at most %(mb)d MB). "
            "Send fewer or smaller files."
        ) % {"mb": conf.MAX_REPORT_BYTES // 1_048_576}
        return _form_page(request, _typed_again(request), status=413, page_error=message)
    form = ReportForm(request.POST, request.FILES)
    if form.is_bot:
        logger.info("honeypot filled on the report form; nothing stored")
        return redirect("reports:sent", code=new_tracking_code())
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        intake = report_submit(
            draft=form.draft(), channel=Channel.WEB, sender_hash=sender, with_instant_answer=False
        )
    except UploadRejected as exc:
        form.add_error("attachments", exc.message)
        return _form_page(request, form, status=exc.status)
    except ReportInvalid as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(None if name == "__all__" else name, message)
        return _form_page(request, form, status=400)
    url = reverse("reports:sent", args=[intake.report.code])
    return redirect(url + ("?again=1" if intake.folded else ""))


def report_sent(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation: the code to keep, any published fact-check, what happens next.

    The instant answer is computed here (within its time bound, then cached as for the
    tracking page), not in the POST that stored the report: a slow matcher never delays the
    storing. Looked up by code like the tracking page, so rate-limited like it.
    """
    verdict = rate_limit_hit(bucket="track", sender_hash=ip_hash(request, purpose=SENDER_PURPOSE))
    if not verdict.allowed:
        return _too_many(request, verdict.retry_after)
    report = report_by_code(code)
    if report is None:
        if is_valid_code(normalise_code(code)):
            # A honeypot's pretend success, or a code typed by hand: look the same either way.
            return render(
                request, "reports/sent.html", {"display_code": format_code(code), "instant": []}
            )
        raise Http404
    return render(
        request,
        "reports/sent.html",
        {
            "report": report,
            "display_code": report.display_code,
            "again": request.GET.get("again") == "1",
            "instant": report_instant_answers_cached(report),
        },
    )


def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if is_valid_code(code):
            return redirect("reports:track_detail", code=code)
        form.add_error(
            "code",
            _(
                "This code has a typo: a tracking code has 10 letters and digits and we can tell "
                "this one is not right. Check it against your confirmation message."
            ),
        )
    return render(request, "reports/track.html", {"form": form})


def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    verdict = rate_limit_hit(bucket="track", sender_hash=ip_hash(request, purpose=SENDER_PURPOSE))
    if not verdict.allowed:
        return _too_many(request, verdict.retry_after)
    report = report_by_code(code)
    if report is None:
        return render(
            request,
            "reports/track_unknown.html",
            {"form": TrackForm(initial={"code": code[:30]})},
            status=404,
        )
    return render(
        request,
        "reports/track_detail.html",
        {
            "report": report,
            "timeline": report_public_timeline(report),
            "instant": report_instant_answers_cached(report),
        },
    )


@login_required
def report_contact(request: HttpRequest, code: str) -> HttpResponse:
    """A reporter's contact details, for the people allowed to see them (404 for anyone else)."""
    report = report_by_code(code)
    if report is None:
        raise Http404
    contact = report_contact_reveal(user=request.user, report=report)
    return render(request, "reports/contact.html", {"report": report, "contact": contact})
