"""The issue's "done when": a citizen reports in French on a phone, three reviewers decide,
the decision is on the public register, the citizen appeals from the tracking page, a panel
of other reviewers decides the appeal, and the tracking page shows it all."""

from __future__ import annotations

from typing import Any

import pytest

from sitroom.accounts.models import Role
from sitroom.cases import services
from sitroom.reports.models import Report
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HARMFUL = (
    "URGENT : le bureau de vote de l'école de Cocody est déplacé au commissariat central. "
    "Ne vous présentez pas à l'école dimanche, partagez à tous vos contacts !"
)
SUMMARY = "Message affirmant à tort qu'un bureau de vote a été déplacé vers un poste de police."


def _review_in_browser(
    browser: Any,
    live_server: Any,
    browser_login: Any,
    username: str,
    case_id: int,
    outcome: str,
    reasons: str,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    try:
        browser_login(pg, username)
        pg.goto(live_server.url + "/cases/")
        with pg.expect_navigation():
            pg.click(f"tr[data-case='{case_id}'] a")
        with pg.expect_navigation():
            pg.click("button[name=take_seat]")
        pg.select_option("#assess select[name=outcome]", outcome)
        pg.fill("#assess textarea[name=reasons]", reasons)
        pg.fill("#assess textarea[name=public_summary]", SUMMARY)
        pg.check("#assess input[name=no_conflict]")
        with pg.expect_navigation():
            pg.click("#assess button[type=submit]")
        assert "Your assessment is recorded" in pg.content()
    finally:
        context.close()


def test_report_review_register_appeal_and_tracking(
    world, browser, phone_page, live_server, browser_login
):
    services.criteria_publish(texts={"fr": ("Critères", "Exactitude, préjudice, portée.")})
    for i in range(1, 7):
        make_user(f"juge{i}", org=world.org, roles=(Role.REVIEWER,))

    # 1. A citizen reports in French on a phone, and gets a code.
    phone = phone_page
    phone.goto(live_server.url + "/report/")
    form = "form.report-form"
    phone.fill(f"{form} textarea[name=text]", HARMFUL)
    phone.check(f"{form} input[name=category][value=electoral_process]")
    phone.select_option(f"{form} select[name=region]", "abidjan")
    # (the header's language switcher is also named "language")
    phone.select_option(f"{form} select[name=language]", "fr")
    with phone.expect_navigation():
        phone.click("form.report-form button[type=submit]")
    code = phone.locator("#tracking-code").inner_text().replace("-", "").strip()
    report = Report.objects.get(code=code)
    assert report.case_id is not None, "the report was not grouped into a case after commit"
    case_id = report.case_id

    # 2. Three reviewers each take a seat and assess on their own, in the browser.
    for username, outcome in (("juge1", "label"), ("juge2", "label"), ("juge3", "no_action")):
        _review_in_browser(
            browser,
            live_server,
            browser_login,
            username,
            case_id,
            outcome,
            f"{username} : critère 1, le bureau n'a pas changé.",
        )
    report.refresh_from_db()
    reference = report.case.reference
    assert report.case.status == "decided"

    # 3. The decision is on the public register, with reasons, without the harmful text.
    phone.goto(live_server.url + "/register/")
    assert reference in phone.content()
    phone.goto(live_server.url + f"/register/{reference}/")
    body = phone.content()
    assert SUMMARY in body and "juge1 : critère 1" in body
    assert "commissariat central" not in body

    # 4. The citizen opens the tracking page with the code and appeals from there.
    phone.goto(live_server.url + f"/track/{code}/")
    with phone.expect_navigation():
        phone.click("a[href*='/appeal/']")
    assert phone.input_value("input[name=tracking_code]") == code
    phone.check("input[name=appellant][value=reporter]")
    phone.fill("textarea[name=statement]", "Le bureau a vraiment été déplacé, je l'ai vu moi-même.")
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    assert f"/track/{code}/" in phone.url

    # 5. A panel of three other reviewers decides the appeal.
    for username in ("juge4", "juge5", "juge6"):
        _review_in_browser(
            browser,
            live_server,
            browser_login,
            username,
            case_id,
            "label",
            f"{username} : aucune preuve du déplacement ; l'étiquette est maintenue.",
        )
    report.refresh_from_db()
    assert report.case.status == "appeal_decided"

    # 6. The tracking page shows the whole story, and the register the appeal's outcome.
    phone.goto(live_server.url + f"/track/{code}/")
    timeline = phone.locator("ol.timeline").inner_text()
    for reasons in ("juge1 : critère 1", "juge4 : aucune preuve"):
        assert reasons in timeline
    assert phone.locator(f"ol.timeline a[href='/register/{reference}/']").count() >= 1
    assert len(phone.locator("ol.timeline > li").all()) >= 5
    phone.goto(live_server.url + f"/register/{reference}/")
    assert "juge4 : aucune preuve" in phone.content()
    assert phone.viewport_size == {"width": 360, "height": 740}
