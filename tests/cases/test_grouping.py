"""Reports grouped into cases: by canonical URL, by (near-)identical text, and not otherwise."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from sitroom.audit.models import AuditEvent
from sitroom.cases import services
from sitroom.cases.models import Case, CaseKey, CaseTextBand, CaseTextSignature
from tests.cases.conftest import file_report

pytestmark = pytest.mark.django_db

TEXT = (
    "Attention : le bureau de vote de l'école primaire de Yopougon est déplacé au commissariat "
    "du 16e arrondissement dimanche, ne vous trompez pas d'adresse"
)


def test_same_post_by_mobile_link_and_tracking_params_is_one_case(review):
    a = file_report(urls=("https://m.facebook.com/story.php?story_fbid=42&id=7&fbclid=abc",))
    b = file_report(urls=("https://www.facebook.com/permalink.php?id=7&story_fbid=42",))
    c = file_report(urls=("https://youtu.be/dQw4w9WgXcQ?si=xyz",))
    d = file_report(urls=("https://www.youtube.com/watch?v=dQw4w9WgXcQ&utm_source=wa",))
    case_a = services.case_attach_report(report=a)
    assert services.case_attach_report(report=b) == case_a
    case_c = services.case_attach_report(report=c)
    assert case_c != case_a
    assert services.case_attach_report(report=d) == case_c
    case_a.refresh_from_db()
    assert case_a.report_count == 2
    assert set(case_a.reports.values_list("pk", flat=True)) == {a.pk, b.pk}


def test_identical_text_modulo_case_accents_and_punctuation_is_one_case(review):
    a = file_report(text=TEXT)
    b = file_report(text="FWD: " + TEXT.upper().replace("é", "e").replace(",", "") + " !!!")
    case = services.case_attach_report(report=a)
    assert services.case_attach_report(report=b) == case


def test_near_identical_text_is_grouped_through_lsh(review):
    a = file_report(text=TEXT)
    # A few words changed: not the same exact_key, but a near-duplicate.
    b = file_report(text=TEXT.replace("dimanche", "ce dimanche matin").replace("16e", "seizième"))
    case = services.case_attach_report(report=a)
    assert services.case_attach_report(report=b) == case
    # The lookup went through the indexed band table.
    assert CaseTextBand.objects.filter(signature__case=case).count() == 32


def test_unrelated_texts_and_short_texts_are_not_grouped(review):
    texts = [
        TEXT,
        "Les résultats provisoires seront proclamés par la Commission mardi à 18 heures à Abidjan",
        "Les candidats de l'opposition ont tenu un meeting au stade, la police a encadré la foule",
    ]
    cases = {services.case_attach_report(report=file_report(text=t)).pk for t in texts}
    assert len(cases) == 3
    # Very short messages ("c'est faux") are too generic to group by text.
    one = services.case_attach_report(report=file_report(text="C'est faux !"))
    two = services.case_attach_report(report=file_report(text="C'est faux !"))
    assert one != two


def test_grouping_is_idempotent(review):
    report = file_report(text=TEXT, urls=("https://t.me/s/SomeChannel/123",))
    case = services.case_attach_report(report=report)
    counts = (
        CaseKey.objects.count(),
        CaseTextSignature.objects.count(),
        CaseTextBand.objects.count(),
    )
    events = AuditEvent.objects.filter(action="case.report_attach").count()
    report.refresh_from_db()
    assert services.case_attach_report(report=report) == case
    assert services.case_attach_report(report=report) == case
    assert (
        CaseKey.objects.count(),
        CaseTextSignature.objects.count(),
        CaseTextBand.objects.count(),
    ) == counts
    assert AuditEvent.objects.filter(action="case.report_attach").count() == events
    case.refresh_from_db()
    assert case.report_count == 1


def test_grouping_is_audited(review):
    case = services.case_attach_report(report=file_report(text=TEXT))
    created = AuditEvent.objects.get(action="case.create", object_id=str(case.pk))
    attach = AuditEvent.objects.get(action="case.report_attach", object_id=str(case.pk))
    assert created.after["status"] == "new"
    assert attach.after["report_count"] == 1 and attach.after["new_case"] is True


@pytest.mark.django_db(transaction=True)
def test_two_workers_grouping_the_same_url_at_once_make_one_case(review):
    url = "https://x.com/SomeOne/status/987654321?s=20"
    reports = [file_report(urls=(url,)) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def work(report):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            results.append(services.case_attach_report(report=report).pk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert Case.objects.count() == 1
    assert Case.objects.get().report_count == 2


def test_same_screenshot_is_one_case(review, settings, tmp_path):
    from django.core.files.base import ContentFile

    from sitroom.reports.models import ReportAttachment

    settings.MEDIA_ROOT = tmp_path
    reports = [file_report(text="Voir la capture"), file_report(text="Regardez ça")]
    for report, sha in zip(reports, ["a" * 64, "a" * 64], strict=True):
        attachment = ReportAttachment(
            report=report, kind="image", content_type="image/png", size=3, sha256=sha
        )
        attachment.file.save("x.png", ContentFile(b"png"), save=True)
    first = services.case_attach_report(report=reports[0])
    assert services.case_attach_report(report=reports[1]) == first
