"""A monitored post or narrative escalated to the review queue joins the public's reports."""

from __future__ import annotations

import pytest

from sitroom.audit.models import AuditEvent
from sitroom.cases import services
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import Narrative, Post
from sitroom.monitoring.services import posts_ingest, source_create
from sitroom.reports.models import Report
from tests.cases.conftest import file_report

pytestmark = pytest.mark.django_db

TEXT = (
    "Attention : le bureau de vote de l'école primaire de Yopougon est déplacé au commissariat "
    "du 16e arrondissement dimanche, ne vous trompez pas d'adresse"
)
URL = "https://www.facebook.com/permalink.php?id=7&story_fbid=42"


def _post(world, external_id: str = "m1", text: str = TEXT, url: str = URL) -> Post:
    source = source_create(organisation=world.org, name="Push", kind="push", enabled=False)
    posts_ingest(
        source=source,
        items=[PostIn(external_id=external_id, text=text, url=url, language="fr")],
    )
    return Post.objects.get(external_id=external_id)


def test_escalated_post_is_grouped_with_public_reports_of_the_same_link(review):
    public = file_report(urls=("https://m.facebook.com/story.php?story_fbid=42&id=7&fbclid=x",))
    public_case = services.case_attach_report(report=public)
    post = _post(review.world)

    case = services.case_create_from_monitoring(
        organisation=review.world.org, post=post, by=review.monitor
    )

    assert case == public_case
    case.refresh_from_db()
    assert case.report_count == 2
    escalated = Report.objects.get(channel="monitoring")
    assert escalated.text == TEXT and escalated.case == case
    event = AuditEvent.objects.get(action="case.create_from_monitoring")
    assert event.actor_id == review.monitor.pk and event.after["post"] == post.pk


def test_escalating_twice_returns_the_same_case_and_stores_one_report(review):
    post = _post(review.world)
    first = services.case_create_from_monitoring(organisation=review.world.org, post=post)
    again = services.case_create_from_monitoring(organisation=review.world.org, post=post)
    assert first == again
    assert Report.objects.filter(channel="monitoring").count() == 1
    assert first.title and first.status == "new"


def test_a_narrative_is_escalated_with_its_title_and_top_posts(review):
    post = _post(review.world, url="")
    narrative = Narrative.objects.create(organisation=review.world.org, title="Polling moved")
    Post.objects.filter(pk=post.pk).update(narrative=narrative)
    case = services.case_create_from_monitoring(organisation=review.world.org, narrative=narrative)
    report = case.reports.get()
    assert report.text.startswith("Polling moved") and TEXT in report.text


def test_escalation_needs_exactly_one_of_post_or_narrative(review):
    with pytest.raises(ValueError):
        services.case_create_from_monitoring(organisation=review.world.org)


def test_the_category_follows_the_posts_flags(review):
    post = _post(review.world)
    assert services._monitoring_category([post]) == "other"
    post.is_relevant = True
    assert services._monitoring_category([post]) == "electoral_process"
    post.lexicon_hits = 1
    assert services._monitoring_category([post]) == "hate_speech"
    post.lexicon_hits, post.hate_score = 0, 0.7
    assert services._monitoring_category([post]) == "electoral_process"  # a score, no decision
    post.is_hateful = True  # the model's decision at its own threshold
    assert services._monitoring_category([post]) == "hate_speech"
