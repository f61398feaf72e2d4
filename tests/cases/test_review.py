"""Independent review: seats, conflicts, assessments kept apart, majority and chair rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sitroom.audit.models import AuditEvent
from sitroom.cases import services
from sitroom.cases.models import Decision, DecisionRule
from tests.cases.conftest import SUMMARY, file_report, seat_and_assess

pytestmark = pytest.mark.django_db


def _assess(case, reviewer, outcome, reasons="Criterion 1 applies.", **kw):  # type: ignore[no-untyped-def]
    return services.assessment_submit(
        case=case, reviewer=reviewer, outcome=outcome, reasons=reasons, public_summary=SUMMARY, **kw
    )


def test_reviewer_cannot_see_others_assessments_before_submitting(review, new_case, login):
    r1, r2, r3 = review.reviewers[:3]
    for r in (r1, r2, r3):
        services.case_assign(case=new_case, reviewer=r, by=r)
    _assess(new_case, r1, "label", reasons="SECRET-REASONING-OF-R1")
    page = login(r2).get(f"/cases/{new_case.pk}/").content.decode()
    assert "SECRET-REASONING-OF-R1" not in page
    assert "Hidden until you have submitted your own assessment" in page
    api = login(r2).get(f"/api/v1/cases/{new_case.pk}").json()
    assert api["assessments"]["review"] is None
    # An admin who holds no seat does not see them before all are in either.
    assert (
        "SECRET-REASONING-OF-R1"
        not in login(review.admin).get(f"/cases/{new_case.pk}/").content.decode()
    )
    # After submitting through the page, r2 sees r1's reasons.
    response = login(r2).post(
        f"/cases/{new_case.pk}/assess/",
        {"outcome": "label", "reasons": "Mine.", "public_summary": SUMMARY, "no_conflict": "on"},
    )
    assert response.status_code == 302
    assert "SECRET-REASONING-OF-R1" in login(r2).get(f"/cases/{new_case.pk}/").content.decode()
    # r3 still cannot.
    assert "SECRET-REASONING-OF-R1" not in login(r3).get(f"/cases/{new_case.pk}/").content.decode()


def test_assessment_needs_a_seat_and_the_no_conflict_declaration(review, new_case, login):
    r1 = review.reviewers[0]
    with pytest.raises(ValidationError):
        _assess(new_case, r1, "label")
    services.case_assign(case=new_case, reviewer=r1, by=r1)
    response = login(r1).post(
        f"/cases/{new_case.pk}/assess/",
        {"outcome": "label", "reasons": "x", "public_summary": SUMMARY},
    )
    assert response.status_code == 400 and not new_case.assessments.exists()
    _assess(new_case, r1, "label")
    with pytest.raises(ValidationError):
        _assess(new_case, r1, "no_action")  # only once
    event = AuditEvent.objects.get(action="case.assess", object_id=str(new_case.pk))
    assert event.after["criteria_version"] == 1


def test_conflict_of_interest_frees_the_seat(review, new_case, login):
    r1, r2, r3, r4 = review.reviewers[:4]
    for r in (r1, r2, r3):
        services.case_assign(case=new_case, reviewer=r, by=r)
    with pytest.raises(ValidationError):
        services.case_assign(case=new_case, reviewer=r4, by=r4)  # all seats taken
    _assess(new_case, r1, "label")
    response = login(r1).post(f"/cases/{new_case.pk}/conflict/", {"reason": "My cousin wrote it."})
    assert response.status_code == 302
    assignment = new_case.assignments.get(reviewer=r1)
    assert assignment.conflict_declared_at is not None
    assert not new_case.assessments.filter(reviewer=r1).exists()  # withdrawn
    services.case_assign(case=new_case, reviewer=r4, by=r4)  # the slot is free again
    with pytest.raises(ValidationError):
        services.case_assign(case=new_case, reviewer=r1, by=review.admin)  # cannot come back
    assert AuditEvent.objects.filter(action="case.conflict_declare").exists()
    # The conflicted reviewer's earlier assessment does not count toward the decision.
    _assess(new_case, r2, "no_action")
    _assess(new_case, r3, "no_action")
    _assess(new_case, r4, "no_action")
    decision = Decision.objects.get(case=new_case)
    assert decision.outcome == "no_action" and decision.votes == {"no_action": 3}


def test_majority_rule_decides_and_publishes_when_every_seat_has_assessed(
    review, new_case, django_capture_on_commit_callbacks, mailoutbox
):
    r1, r2, r3 = review.reviewers[:3]
    reporter = file_report(
        text="Le vote est déplacé au commissariat central, ne venez pas à l'école de Cocody demain",
        email="reporter@example.org",
    )
    services.case_attach_report(report=reporter)
    for r in (r1, r2, r3):
        services.case_assign(case=new_case, reviewer=r, by=r)
    _assess(new_case, r1, "label", reasons="R1 reasons.")
    _assess(new_case, r2, "no_action", reasons="R2 reasons.")
    assert not Decision.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _assess(new_case, r3, "label", reasons="R3 reasons.")
    new_case.refresh_from_db()
    decision = Decision.objects.get(case=new_case)
    assert new_case.status == "decided"
    assert decision.outcome == "label" and decision.rule == "majority"
    assert decision.published_at is not None and decision.criteria.version == 1
    assert "R1 reasons." in decision.reasons and "R3 reasons." in decision.reasons
    assert "R2 reasons." not in decision.reasons
    assert decision.public_summary == SUMMARY
    reporter.refresh_from_db()
    assert reporter.status == "decided"
    # The reporter who left an email is told the outcome (through the reports app).
    assert any(m.to == ["reporter@example.org"] for m in mailoutbox)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"case.assign", "case.assess", "case.decide", "decision.publish"} <= actions


def test_no_majority_needs_an_admin_choosing_a_proposed_outcome(review, new_case, login):
    r1, r2, r3 = review.reviewers[:3]
    seat_and_assess(new_case, [r1, r2, r3], ["label", "no_action", "counter_messaging"])
    assert not Decision.objects.exists()
    with pytest.raises(ValidationError):
        services.case_decide(case=new_case, by=r1, outcome="label", reasons="x", public_summary="y")
    with pytest.raises(ValidationError):
        services.case_decide(
            case=new_case,
            by=review.admin,
            outcome="platform_referral",
            reasons="x",
            public_summary="y",
        )
    response = login(review.admin).post(
        f"/cases/{new_case.pk}/decide/",
        {"outcome": "counter_messaging", "reasons": "Tie broken.", "public_summary": SUMMARY},
    )
    assert response.status_code == 302
    decision = Decision.objects.get(case=new_case)
    assert decision.outcome == "counter_messaging" and decision.decided_by == review.admin


def test_tie_break_must_choose_an_authority_a_reviewer_proposed(review, new_case, login):
    r1, r2, r3 = review.reviewers[:3]
    for r in (r1, r2, r3):
        services.case_assign(case=new_case, reviewer=r, by=r)
    _assess(new_case, r1, "label")
    _assess(new_case, r2, "no_action")
    _assess(new_case, r3, "authority_referral", authority="emb")
    with pytest.raises(ValidationError, match="with its authority"):
        services.case_decide(
            case=new_case,
            by=review.admin,
            outcome="authority_referral",
            authority="police",
            reasons="x",
            public_summary="y",
        )
    client = login(review.admin)
    decide = {"outcome": "authority_referral", "reasons": "Tie broken.", "public_summary": SUMMARY}
    assert (
        client.post(f"/cases/{new_case.pk}/decide/", {**decide, "authority": "police"}).status_code
        == 400
    )
    assert not Decision.objects.exists()
    assert (
        client.post(f"/cases/{new_case.pk}/decide/", {**decide, "authority": "emb"}).status_code
        == 302
    )
    decision = Decision.objects.get(case=new_case)
    assert (decision.outcome, decision.authority) == ("authority_referral", "emb")


def test_chair_rule_only_the_chair_decides_and_chair_passes_on_conflict(review, new_case, login):
    new_case.decision_rule = DecisionRule.CHAIR
    new_case.save()
    r1, r2, r3, r4 = review.reviewers[:4]
    for r in (r1, r2, r3):
        services.case_assign(case=new_case, reviewer=r, by=r)
    assert new_case.assignments.get(reviewer=r1).is_chair
    services.case_conflict_declare(case=new_case, reviewer=r1, reason="Conflict.")
    assert new_case.assignments.get(reviewer=r2).is_chair
    services.case_assign(case=new_case, reviewer=r4, by=r4)
    for r, outcome in ((r2, "label"), (r3, "no_action"), (r4, "no_action")):
        _assess(new_case, r, outcome)
    assert not Decision.objects.exists()  # the chair decides, not the majority
    for outsider in (r3, review.admin):
        with pytest.raises(ValidationError):
            services.case_decide(
                case=new_case, by=outsider, outcome="label", reasons="x", public_summary="y"
            )
    response = login(r2).post(
        f"/cases/{new_case.pk}/decide/",
        {
            "outcome": "authority_referral",
            "authority": "",
            "reasons": "Threat.",
            "public_summary": SUMMARY,
        },
    )
    assert response.status_code == 400  # an authority must be named
    login(r2).post(
        f"/cases/{new_case.pk}/decide/",
        {
            "outcome": "authority_referral",
            "authority": "electoral_court",
            "reasons": "Chair's reasons.",
            "public_summary": SUMMARY,
        },
    )
    decision = Decision.objects.get(case=new_case)
    assert (decision.outcome, decision.authority, decision.rule) == (
        "authority_referral",
        "electoral_court",
        "chair",
    )


def test_fact_check_outcome_hands_the_case_to_the_factchecks_seam(review, new_case, monkeypatch):
    import sitroom.factchecks.services as factchecks

    handed: list[tuple[object, object]] = []
    monkeypatch.setattr(
        factchecks,
        "claim_create_from_case",
        lambda *, case, by: handed.append((case, by)) or 17,
        raising=False,
    )
    seat_and_assess(new_case, review.reviewers[:3], ["fact_check"] * 3)
    assert [c.pk for c, _by in handed] == [new_case.pk]
    assert AuditEvent.objects.get(action="case.factcheck_handover").after == {"claim": 17}


def test_fact_check_handover_with_the_real_factchecks_app(review, new_case):
    seat_and_assess(new_case, review.reviewers[:3], ["fact_check"] * 3)
    from sitroom.factchecks.models import Claim

    assert Claim.objects.count() == 1


def test_notifications_page_and_mark_read(review, new_case, login):
    r1 = review.reviewers[0]
    services.case_assign(case=new_case, reviewer=r1, by=review.admin)
    client = login(r1)
    page = client.get("/notifications/").content.decode()
    assert new_case.reference in page
    assert client.get("/notifications/unread.json").json() == {"unread": 1}
    client.post("/notifications/")
    assert client.get("/notifications/unread.json").json() == {"unread": 0}
