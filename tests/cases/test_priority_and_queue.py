"""Priority (severity, volume, reach, election calendar) and the reviewers' queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sitroom.audit.models import AuditEvent
from sitroom.cases import services
from sitroom.cases.models import Case, ElectionCalendar, Phase, PhaseKind
from tests.cases.conftest import file_report, seat_and_assess

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():  # type: ignore[no-untyped-def]
    polling = timezone.now() + timedelta(days=21)
    cal = ElectionCalendar.objects.create(name="Presidential")
    for kind, start, end, multiplier in [
        (PhaseKind.CAMPAIGN, polling - timedelta(days=14), polling - timedelta(days=2), 1.5),
        (PhaseKind.SILENCE, polling - timedelta(days=2), polling, 2.5),
        (PhaseKind.POLLING, polling, polling + timedelta(hours=12), 3.0),
        (PhaseKind.COUNTING, polling + timedelta(hours=12), polling + timedelta(days=3), 2.0),
    ]:
        Phase.objects.create(
            calendar=cal, kind=kind, starts_at=start, ends_at=end, multiplier=multiplier
        )
    return polling


def test_priority_rises_as_polling_day_comes(review, calendar):
    def score(at):  # type: ignore[no-untyped-def]
        return services.priority_score(
            category="electoral_process", report_count=1, stated_reach=None, now=at
        )

    far = score(calendar - timedelta(days=60))
    campaign = score(calendar - timedelta(days=10))
    silence = score(calendar - timedelta(hours=20))
    polling = score(calendar + timedelta(hours=2))
    assert far[0] < campaign[0] < silence[0] < polling[0]
    assert far[1] == "high" and polling[1] == "critical"


def test_priority_recomputed_when_a_report_joins_and_with_severity_and_reach(review):
    url = "https://www.tiktok.com/@someone/video/123"
    case = services.case_attach_report(report=file_report(urls=(url,), category="other"))
    first = case.priority_score
    case = services.case_attach_report(report=file_report(urls=(url,), category="other"))
    assert case.report_count == 2 and case.priority_score > first
    # A more severe category joining raises the case's category and its priority.
    case = services.case_attach_report(report=file_report(urls=(url,), category="incitement"))
    assert case.category == "incitement"
    # Stated reach ("45k vues") counts too.
    quiet = services.case_attach_report(
        report=file_report(text="Une rumeur sur le bureau de vote n°12 de Bouaké centre")
    )
    loud = services.case_attach_report(
        report=file_report(
            text="Une autre rumeur sur le scrutin à Korhogo, déjà 45k vues sur la page"
        )
    )
    assert loud.stated_reach == 45000 and loud.priority_score > quiet.priority_score


def test_recompute_service_audits_the_change(review, calendar):
    case = services.case_attach_report(
        report=file_report(text="Le scrutin est reporté d'une semaine, la commission l'a dit")
    )
    services.case_priority_recompute(case=case, now=calendar + timedelta(hours=1))
    assert AuditEvent.objects.filter(action="case.priority", object_id=str(case.pk)).exists()


def _cases(review):  # type: ignore[no-untyped-def]
    a = services.case_attach_report(
        report=file_report(
            text="Message en français sur le vote à Abidjan demain matin tôt",
            language="fr",
            region="abidjan",
            category="electoral_process",
        )
    )
    b = services.case_attach_report(
        report=file_report(
            text="Swahili message about voters in the diaspora and their cards",
            language="sw",
            region="diaspora",
            category="hate_speech",
        )
    )
    c = services.case_attach_report(
        report=file_report(
            text="An old impersonation case about a fake commission page online",
            language="en",
            region="lagunes",
            category="impersonation",
        )
    )
    Case.objects.filter(pk=c.pk).update(
        created_at=timezone.now() - timedelta(days=5),
        status_changed_at=timezone.now() - timedelta(days=5),
    )
    return a, b, c


def test_queue_filters_and_urgency(review, login):
    a, b, c = _cases(review)
    client = login(review.reviewers[0])
    page = client.get("/cases/").content.decode()
    assert all(x.reference in page for x in (a, b, c))
    # Overdue first (c has waited 5 days, beyond its target), then by priority.
    assert page.index(c.reference) < page.index(a.reference)
    assert 'class="case-row overdue"' in page
    for query, shown, hidden in [
        ("language=sw", b, a),
        ("region=abidjan", a, b),
        ("category=impersonation", c, a),
        ("age=gt3d", c, a),
        ("age=lt1d", a, c),
    ]:
        page = client.get(f"/cases/?{query}").content.decode()
        assert shown.reference in page and hidden.reference not in page, query
    services.case_assign(case=b, reviewer=review.reviewers[0], by=review.reviewers[0])
    page = client.get("/cases/?assigned=me").content.decode()
    assert b.reference in page and a.reference not in page
    page = client.get("/cases/?assigned=unassigned").content.decode()
    assert a.reference in page and b.reference not in page
    page = client.get("/cases/?status=in_review").content.decode()
    assert b.reference in page and a.reference not in page
    # htmx asks for the rows only.
    partial = client.get("/cases/?language=sw", HTTP_HX_REQUEST="true").content.decode()
    assert b.reference in partial and "<html" not in partial
    # A filter it cannot read is reported; the queue is not shown unfiltered instead.
    bad = client.get("/cases/?language=sw&age=forever")
    html = bad.content.decode()
    assert bad.status_code == 400 and 'role="alert"' in html
    assert all(x.reference not in html for x in (a, b, c))


def test_cases_api_refuses_filters_it_cannot_read(review, login):
    _a, b, _c = _cases(review)
    client = login(review.reviewers[0])
    bad = client.get("/api/v1/cases?status=bogus")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["status"]
    assert "bogus" in bad.json()["errors"]["status"][0]
    assert client.get("/api/v1/cases?category=%00").status_code == 400  # PostgreSQL refuses it
    services.case_assign(case=b, reviewer=review.reviewers[0], by=review.reviewers[0])
    listed = client.get("/api/v1/cases?status=in_review&language=sw").json()["results"]
    assert [row["reference"] for row in listed] == [b.reference]
    assert client.get("/api/v1/cases?status=decided").json()["results"] == []


def test_huge_limit_and_offset_on_the_cases_and_register_apis(review, login):
    seat_and_assess(_cases(review)[0], review.reviewers[:3], ["label"] * 3)
    client = login(review.reviewers[0])
    for url in ("/api/v1/cases", "/api/v1/register"):
        response = client.get(f"{url}?limit=99999999999999999999")
        assert response.status_code == 200 and response.json()["results"], url
        response = client.get(f"{url}?limit=1000000000&offset=99999999999999999999")
        assert response.status_code == 200 and response.json()["results"] == [], url


def test_assign_to_me_and_admin_assigns_others(
    review, login, mailoutbox, django_capture_on_commit_callbacks
):
    a, _b, _c = _cases(review)
    r1, r2 = review.reviewers[:2]
    with django_capture_on_commit_callbacks(execute=True):
        response = login(r1).post(f"/cases/{a.pk}/assign/")
    assert response.status_code == 302
    assert a.assignments.filter(reviewer=r1).exists()
    a.refresh_from_db()
    assert a.status == "in_review"
    # A reviewer cannot seat somebody else; an admin can.
    login(r1).post(f"/cases/{a.pk}/assign/", {"reviewer": r2.pk})
    assert not a.assignments.filter(reviewer=r2).exists()
    with django_capture_on_commit_callbacks(execute=True):
        login(review.admin).post(f"/cases/{a.pk}/assign/", {"reviewer": r2.pk})
    assert a.assignments.filter(reviewer=r2).exists()
    # Notified in the app (count in the menu) and by email.
    page = login(r2).get("/cases/").content.decode()
    assert "Notifications (1)" in page
    assert {m.to[0] for m in mailoutbox} == {r1.email, r2.email}
    assert AuditEvent.objects.filter(action="case.assign", object_id=str(a.pk)).count() == 2


def test_recompute_command_raises_open_cases_when_the_phase_changes(review, calendar):
    from django.core.management import call_command
    from freezegun import freeze_time

    case = services.case_attach_report(
        report=file_report(text="Le scrutin est reporté d'une semaine selon un message viral")
    )
    before = case.priority_score
    with freeze_time(calendar + timedelta(hours=1)):
        call_command("cases_recompute_priorities")
    case.refresh_from_db()
    assert case.priority_score > before
