"""The issue's "done when": a monitor sees demo posts arrive, opens a narrative with its
chart, labels a post and escalates it to a case."""

from __future__ import annotations

import pytest

from sitroom.monitoring.demo import BASE_POSTS, WATCHLIST
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import Escalation, PostLabel, WatchTerm
from sitroom.monitoring.services import posts_ingest, source_create
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo_items(key: str, prefix: str) -> list[PostIn]:
    return [
        PostIn(external_id=f"{prefix}{i}", text=text, author=f"{key}_account{i % 2}", region=region)
        for i, (k, _lang, region, text) in enumerate(BASE_POSTS)
        if k == key
    ]


def test_monitor_watches_posts_arrive_then_labels_and_escalates(
    world, page, live_server, browser_login
):
    make_user("kwame", org=world.org, roles=("monitor",))
    for term, kind, entity, language in WATCHLIST:
        WatchTerm.objects.create(term=term, kind=kind, entity=entity, language=language)
    source = source_create(organisation=world.org, name="Partner push", kind="push", enabled=False)
    posts_ingest(source=source, items=_demo_items("ballots", "b"))  # processed on commit

    browser_login(page, "kwame")
    page.goto(live_server.url + "/monitoring/")
    assert page.url.endswith("/monitoring/ec/")
    assert page.locator("li.post").count() == 6

    # New posts arrive while the monitor watches: the stream refreshes itself (htmx polling).
    posts_ingest(source=source, items=_demo_items("ink", "i"))
    page.wait_for_selector("text=Wino wa kidole unaondoka", timeout=20000)
    assert page.locator("li.post").count() == 10

    page.locator("li.post", has_text="pre-marked ballots").first.get_by_role(
        "link", name="narrative"
    ).first.click()
    page.wait_for_selector("#volume-chart")
    assert page.locator("#volume-chart rect").count() == 48
    assert page.locator("h1").inner_text().startswith("Unnamed narrative")

    page.locator("ol li a").first.click()  # the most repeated text
    page.wait_for_selector("text=What the pipeline found")
    page.select_option("#id_task", "checkworthy")
    page.select_option("#id_value", "yes")
    page.get_by_role("button", name="Save label").click()
    page.wait_for_selector("text=Label saved")
    assert PostLabel.objects.filter(task="checkworthy", positive=True).count() == 1

    page.select_option("#id_target", "case")
    page.get_by_role("button", name="Escalate").click()
    page.wait_for_selector("text=Escalated to Case")
    escalation = Escalation.objects.get()
    assert escalation.target == "case" and escalation.target_ref.startswith("cases.case:")
