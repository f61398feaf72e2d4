"""The public register: HTML, JSON, CSV, Atom; filters; redaction; blurred images; criteria."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.utils import timezone
from PIL import Image

from sitroom.cases import selectors, services
from sitroom.cases.models import BlurredImage, Case, Decision
from sitroom.cases.views import csv_safe
from tests.cases.conftest import HARMFUL, SUMMARY, file_report, seat_and_assess

pytestmark = pytest.mark.django_db

FORMATS = [
    "/register/",
    "/register.json",
    "/register.csv",
    "/register/feed.atom",
    "/api/v1/register",
]
FILTERED_FORMATS = ["/register/", "/register.json", "/register.csv", "/api/v1/register"]


def test_register_in_every_format_without_login(decided_case):
    client = Client()
    html = client.get("/register/").content.decode()
    assert decided_case.reference in html and SUMMARY in html and "Label or context" in html
    detail = client.get(f"/register/{decided_case.reference}/").content.decode()
    assert "rev1: criterion 1 applies." in detail and "criteria version 1" in detail

    data = client.get("/register.json").json()
    (entry,) = data["results"]
    assert entry["reference"] == decided_case.reference
    assert entry["decision"]["outcome"] == "label" and entry["decision"]["criteria_version"] == 1
    assert entry["summary"] == SUMMARY and entry["appeal_status"] is None

    api = client.get("/api/v1/register").json()
    assert api["results"][0]["reference"] == decided_case.reference

    response = client.get("/register.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["reference"] == decided_case.reference and rows[0]["outcome"] == "label"

    feed = feedparser.parse(client.get("/register/feed.atom").content)
    assert feed.version == "atom10" and not feed.bozo
    assert feed.entries[0].title.startswith(decided_case.reference)
    assert feed.entries[0].link.endswith(f"/register/{decided_case.reference}/")


def test_harmful_content_is_never_on_the_register(decided_case):
    client = Client()
    for url in [*FORMATS, f"/register/{decided_case.reference}/"]:
        body = client.get(url).content.decode("utf-8-sig")
        assert HARMFUL not in body, url
        assert "commissariat central" not in body, url  # not even a fragment of it
        assert "story_fbid" not in body, url  # nor its link


def test_csv_is_safe_from_formula_injection(review, new_case):
    r = review.reviewers[:3]
    for reviewer in r:
        services.case_assign(case=new_case, reviewer=reviewer, by=reviewer)
    for reviewer in r:
        services.assessment_submit(
            case=new_case,
            reviewer=reviewer,
            outcome="label",
            reasons='=HYPERLINK("http://evil","x")',
            public_summary="+cmd|' /C calc'!A0",
        )
    rows = list(csv.reader(io.StringIO(Client().get("/register.csv").content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert row[header.index("summary")].startswith("'+cmd")
    assert row[header.index("reasons")].startswith("'=HYPERLINK")
    assert csv_safe("-1") == "'-1" and csv_safe("@x") == "'@x" and csv_safe("ok") == "ok"


def test_register_filters_and_search(review):
    cases = []
    for text, category, region, outcome in [
        (
            "Premier message trompeur sur le vote par procuration à Abidjan",
            "electoral_process",
            "abidjan",
            "label",
        ),
        (
            "Second message haineux contre une communauté de Bouaké centre",
            "hate_speech",
            "vallee-du-bandama",
            "platform_referral",
        ),
    ]:
        case = services.case_attach_report(
            report=file_report(text=text, category=category, region=region)
        )
        cases.append(seat_and_assess(case, review.reviewers[:3], [outcome] * 3))
    a, b = cases
    client = Client()

    def refs(query):  # type: ignore[no-untyped-def]
        return [e["reference"] for e in client.get(f"/register.json?{query}").json()["results"]]

    assert set(refs("")) == {a.reference, b.reference}
    assert refs("category=hate_speech") == [b.reference]
    assert refs("outcome=label") == [a.reference]
    assert refs("region=abidjan") == [a.reference]
    assert refs(f"q={b.reference}") == [b.reference]
    assert refs("q=rev1") and refs("q=nothing-matches-this") == []
    today = timezone.now().date()
    assert len(refs(f"date_from={today}&date_to={today}")) == 2
    assert refs(f"date_from={today + timedelta(days=1)}") == []
    html = client.get("/register/?outcome=platform_referral").content.decode()
    assert b.reference in html and a.reference not in html

    # A filter that cannot be read is reported in every format, never silently dropped
    # (that would pass the whole register off as the filtered one).
    bad = client.get("/register.json?outcome=label&date_from=yesterday")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["date_from"]
    page = client.get("/register/?outcome=nonsense")
    html = page.content.decode()
    assert page.status_code == 400 and 'role="alert"' in html
    assert a.reference not in html and b.reference not in html
    csv_bad = client.get("/register.csv?date_to=2026-13-45")
    assert csv_bad.status_code == 400 and b"date_to" in csv_bad.content


def test_images_are_published_only_blurred(review, new_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from sitroom.reports.models import ReportAttachment

    report = new_case.reports.get()
    original = Image.new("RGB", (800, 600), "white")
    for x in range(0, 800, 20):  # sharp stripes: blurring must smooth them out
        for y in range(600):
            original.putpixel((x, y), (0, 0, 0))
    buf = io.BytesIO()
    original.save(buf, format="PNG")
    attachment = ReportAttachment(
        report=report,
        kind="image",
        content_type="image/png",
        size=len(buf.getvalue()),
        sha256="0" * 64,
    )
    attachment.file.save("x.png", ContentFile(buf.getvalue()), save=True)
    seat_and_assess(new_case, review.reviewers[:3], ["label"] * 3)
    image = BlurredImage.objects.get(decision__case=new_case)
    with Image.open(image.image.path) as blurred:
        assert blurred.format == "JPEG" and max(blurred.size) <= 480
        low, high = blurred.convert("L").getextrema()
    assert high - low < 128  # the stripes are gone
    html = Client().get(f"/register/{new_case.reference}/").content.decode()
    assert image.image.url in html and attachment.file.url not in html


def test_criteria_page_shows_current_and_past_versions(review):
    services.criteria_publish(
        texts={"en": ("Criteria v2", "Now also satire."), "fr": ("Critères v2", "Aussi la satire.")}
    )
    html = Client().get("/criteria/").content.decode()
    assert "Version 2" in html and "Version 1" in html
    assert html.index("Version 2") < html.index("Version 1")
    assert "Now also satire." in html and "Be accurate." in html
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/criteria/").content.decode()
    assert fr.index("Aussi la satire.") < fr.index("Now also satire.")


def test_decision_records_the_criteria_version_in_force(review, new_case):
    services.criteria_publish(texts={"en": ("v2", "v2")})
    seat_and_assess(new_case, review.reviewers[:3], ["label"] * 3)
    assert Decision.objects.get().criteria.version == 2


def test_undecided_case_is_not_on_the_register(new_case):
    assert Client().get(f"/register/{new_case.reference}/").status_code == 404
    assert Client().get("/register.json").json()["count"] == 0


@pytest.mark.parametrize(
    "query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_to=3000-01-01"]
)
def test_a_date_outside_the_registers_years_is_a_400_in_every_format(decided_case, query):
    client = Client()
    for url in FILTERED_FORMATS:
        response = client.get(f"{url}?{query}")
        body = response.content.decode("utf-8-sig")
        assert response.status_code == 400, url
        assert "between the years 1900 and 2999" in body, url
    bounds = client.get("/api/v1/register?date_from=1900-01-01&date_to=2999-12-31").json()
    assert [e["reference"] for e in bounds["results"]] == [decided_case.reference]


def test_register_api_and_json_refuse_the_same_unreadable_filters(decided_case):
    client = Client()
    for query, field in [
        ("outcome=bogus", "outcome"),
        ("date_from=notadate", "date_from"),
        ("category=bogus", "category"),
        ("region=bogus", "region"),
    ]:
        api = client.get(f"/api/v1/register?{query}")
        assert api.status_code == 400 and list(api.json()["errors"]) == [field], query
        as_json = client.get(f"/register.json?{query}")
        assert as_json.status_code == 400 and list(as_json.json()["errors"]) == [field], query
        if field in ("category", "region", "outcome"):
            assert "bogus" in as_json.json()["errors"][field][0]
            assert "bogus" in str(api.json()["errors"][field])
    # A known category without a decision yet is an empty answer, not an error.
    assert client.get("/api/v1/register?category=threats").json()["count"] == 0
    assert client.get("/api/v1/register?category=electoral_process").json()["count"] == 1
    # A region since dropped from SITROOM_REGIONS still finds the cases that carry it.
    Case.objects.filter(pk=decided_case.pk).update(region="old-region")
    found = client.get("/register.json?region=old-region").json()["results"]
    assert [e["reference"] for e in found] == [decided_case.reference]
    assert 'value="old-region"' in client.get("/register/").content.decode()


def test_nul_bytes_and_malformed_references_are_refused_before_the_database(
    decided_case, django_assert_num_queries
):
    client = Client()
    for path in [
        "/register/C-%00/",
        "/register/C-%00/appeal/",
        f"/register/{decided_case.reference}%00/",
        f"/register/{decided_case.reference.lower()}/",
    ]:
        # A NUL in the address stops at core.middleware.RefuseNulMiddleware (400); the
        # selector below refuses it too, for callers that are not requests.
        assert client.get(path).status_code == (400 if "%00" in path else 404), path
    for reference in ("C-\x00", decided_case.reference + "\x00", "x" * 500):
        with django_assert_num_queries(0), pytest.raises(Http404):
            selectors.register_case(reference)
    assert client.get(f"/register/{decided_case.reference}/").status_code == 200
    # PostgreSQL refuses a NUL in text: every filter of the register says so instead.
    for query in ("q=a%00b", "category=%00", "region=abidjan%00", "date_from=2026-01-01%00"):
        for url in FILTERED_FORMATS:
            assert client.get(f"{url}?{query}").status_code == 400, (url, query)
