"""Appeals: who may appeal and until when, an independent panel, the outcome on the register."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from freezegun import freeze_time

from sitroom.accounts.models import Role
from sitroom.audit.models import AuditEvent
from sitroom.cases import conf, services
from sitroom.cases.models import Appeal, Decision
from sitroom.cases.selectors import public_timeline_for_report
from sitroom.lib.crypto import decrypt_text
from tests.cases.conftest import seat_and_assess
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():  # type: ignore[no-untyped-def]
    cache.clear()


def _code(case):  # type: ignore[no-untyped-def]
    return case.reports.get().code


def test_reporter_appeals_with_tracking_code_from_the_tracking_page(decided_case):
    report = decided_case.reports.get()
    timeline = public_timeline_for_report(report)
    assert [e.kind for e in timeline] == ["received", "under_review", "decided"]
    decided = timeline[-1]
    assert decided.outcome == "label" and decided.url == f"/register/{decided_case.reference}/"
    assert decided.appeal_url.startswith(f"/register/{decided_case.reference}/appeal/?code=")
    # The appeal form is prefilled from the link on the tracking page.
    client = Client()
    form = client.get(decided.appeal_url).content.decode()
    assert report.code in form
    response = client.post(
        decided.appeal_url,
        {
            "appellant": "reporter",
            "tracking_code": report.display_code.lower(),
            "statement": "It is true.",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/track/{report.code}/"
    appeal = Appeal.objects.get()
    assert appeal.report_id == report.pk and appeal.appellant == "reporter"
    decided_case.refresh_from_db()
    assert decided_case.status == "appealed"
    timeline = public_timeline_for_report(report)
    assert [e.kind for e in timeline][-1] == "appealed" and not timeline[2].appeal_url
    # The tracking page of the reports app shows it.
    page = client.get(f"/track/{report.code}/").content.decode()
    assert "Appealed" in page
    with pytest.raises(ValidationError):  # once per reporter
        services.appeal_submit(
            case=decided_case, appellant="reporter", tracking_code=report.code, statement="Again."
        )


def test_wrong_tracking_code_is_refused(decided_case):
    response = Client().post(
        f"/register/{decided_case.reference}/appeal/",
        {"appellant": "reporter", "tracking_code": "7KQ2M-XD4TB", "statement": "x"},
    )
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_author_appeals_with_statement_and_encrypted_contact(decided_case):
    response = Client().post(
        f"/register/{decided_case.reference}/appeal/",
        {
            "appellant": "author",
            "statement": "I wrote it; it is satire.",
            "contact": "author@example.org",
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert "author@example.org" not in appeal.contact_encrypted
    assert decrypt_text(appeal.contact_encrypted) == "author@example.org"
    event = AuditEvent.objects.get(action="appeal.submit")
    assert "author@example.org" not in str(event.after) and event.after["has_contact"] is True


def test_appeal_window(decided_case, monkeypatch):
    published = Decision.objects.get().published_at
    monkeypatch.setattr(conf, "APPEAL_WINDOW_DAYS", 14)
    with freeze_time(published + timedelta(days=15)):
        response = Client().get(f"/register/{decided_case.reference}/appeal/")
        assert response.status_code == 410
        with pytest.raises(ValidationError):
            services.appeal_submit(case=decided_case, appellant="author", statement="Late.")
    with freeze_time(published + timedelta(days=13)):
        services.appeal_submit(case=decided_case, appellant="author", statement="In time.")


def test_undecided_case_cannot_be_appealed(new_case):
    with pytest.raises(ValidationError):
        services.appeal_submit(case=new_case, appellant="author", statement="x")


def test_honeypot_and_rate_limit(decided_case, monkeypatch):
    url = f"/register/{decided_case.reference}/appeal/"
    client = Client()
    response = client.post(
        url, {"appellant": "author", "statement": "bot", "website": "http://spam"}
    )
    assert response.status_code == 302 and not Appeal.objects.exists()
    monkeypatch.setattr(conf, "APPEAL_RATE_LIMIT_PER_HOUR", 2)
    statuses = [
        client.post(url, {"appellant": "author", "statement": f"n{i}"}).status_code
        for i in range(3)
    ]
    assert statuses == [302, 429, 429]  # the honeypot post counted too
    # Another address is not limited.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, {"appellant": "author", "statement": "ok"}).status_code == 302


def test_panel_must_not_include_first_reviewers_and_decides(
    review, decided_case, login, django_capture_on_commit_callbacks, mailoutbox
):
    services.appeal_submit(
        case=decided_case, appellant="author", statement="Satire.", contact="author@example.org"
    )
    first = review.reviewers[:3]
    for reviewer in first:
        with pytest.raises(ValidationError, match="independent"):
            services.case_assign(
                case=decided_case, reviewer=reviewer, by=review.admin, stage="appeal"
            )
    # Nor through the page.
    login(first[0]).post(f"/cases/{decided_case.pk}/assign/")
    assert not decided_case.assignments.filter(stage="appeal").exists()
    panel = [review.reviewers[3], review.reviewers[4], review.admin]
    with django_capture_on_commit_callbacks(execute=True):
        seat_and_assess(decided_case, panel, ["no_action", "no_action", "label"], stage="appeal")
    decided_case.refresh_from_db()
    assert decided_case.status == "appeal_decided"
    appeal_decision = Decision.objects.get(case=decided_case, stage="appeal")
    assert appeal_decision.outcome == "no_action"
    assert Appeal.objects.get().status == "decided"
    # The author who left an email is told.
    assert any(m.to == ["author@example.org"] for m in mailoutbox)
    # Published on the register, in every format.
    html = Client().get(f"/register/{decided_case.reference}/").content.decode()
    assert "Appeal decision" in html and "the decision is changed" in html
    entry = Client().get("/register.json").json()["results"][0]
    assert entry["appeal_status"] == "decided" and entry["final_outcome"] == "no_action"
    # And on the reporter's timeline.
    kinds = [e.kind for e in public_timeline_for_report(decided_case.reports.get())]
    assert kinds == ["received", "under_review", "decided", "appealed", "appeal_decided"]
    # The appeal decision is final.
    with pytest.raises(ValidationError):
        services.appeal_submit(case=decided_case, appellant="author", statement="Again.")
    assert AuditEvent.objects.filter(action="decision.publish").count() == 2


def test_panel_member_sees_the_appeal_statement_and_can_assess(review, decided_case, login):
    services.appeal_submit(
        case=decided_case, appellant="author", statement="Please reconsider this."
    )
    member = review.reviewers[3]
    services.case_assign(case=decided_case, reviewer=member, by=member, stage="appeal")
    page = login(member).get(f"/cases/{decided_case.pk}/").content.decode()
    assert "Please reconsider this." in page and "Your assessment" in page


def test_a_first_reviewer_cannot_break_the_appeal_panels_tie(review, new_case, login):
    # The admin sat on the first review; the appeal panel then splits three ways.
    seat_and_assess(new_case, [review.admin, *review.reviewers[:2]], ["label"] * 3)
    services.appeal_submit(case=new_case, appellant="author", statement="Satire.")
    panel = review.reviewers[2:5]
    seat_and_assess(new_case, panel, ["label", "no_action", "counter_messaging"], stage="appeal")
    assert not Decision.objects.filter(stage="appeal").exists()
    with pytest.raises(ValidationError, match="independently"):
        services.case_decide(
            case=new_case, by=review.admin, outcome="no_action", reasons="x", public_summary="y"
        )
    client = login(review.admin)
    assert 'id="decide"' not in client.get(f"/cases/{new_case.pk}/").content.decode()
    response = client.post(
        f"/cases/{new_case.pk}/decide/",
        {"outcome": "no_action", "reasons": "Tie broken.", "public_summary": "A summary."},
    )
    assert response.status_code == 400 and "independently" in response.content.decode()
    assert not Decision.objects.filter(stage="appeal").exists()
    # An administrator who took no part in the first review breaks it.
    other_admin = make_user("admin2", org=review.world.org, roles=(Role.ADMIN,))
    response = login(other_admin).post(
        f"/cases/{new_case.pk}/decide/",
        {"outcome": "no_action", "reasons": "Tie broken.", "public_summary": "A summary."},
    )
    assert response.status_code == 302
    assert Decision.objects.get(stage="appeal").decided_by == other_admin
