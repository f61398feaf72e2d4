from __future__ import annotations

import re

import pytest

from sitroom.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_on_a_phone_in_french_reports_and_tracks(phone_page, live_server):  # type: ignore[no-untyped-def]
    page = phone_page
    page.goto(live_server.url + "/report/")
    assert page.locator("html").get_attribute("lang") == "fr"
    # Everything fits the phone's width: no sideways scrolling to reach a field.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#id_text", "Un message WhatsApp dit que le vote est reporté à jeudi à Abidjan.")
    page.fill("#id_urls", "https://www.facebook.com/story.php?story_fbid=5&id=6&fbclid=x")
    page.check("input[name=category][value=electoral_process]")
    page.select_option("#id_region", "abidjan")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/report/sent/" in page.url
    code_text = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code_text)
    report = Report.objects.get(code=code_text.replace("-", ""))
    assert report.language == "fr" and report.region == "abidjan"

    with page.expect_navigation():
        page.click(f"a[href='/track/{report.code}/']")
    assert page.url.endswith(f"/track/{report.code}/")
    assert code_text in page.locator("h1").inner_text()

    # Typing the code by hand on the lookup page, in lower case with a space, also works.
    page.goto(live_server.url + "/track/")
    page.fill("#id_code", code_text.lower().replace("-", " "))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith(f"/track/{report.code}/")
