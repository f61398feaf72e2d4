"""Imports are idempotent and say what they imported, updated and skipped, and why."""

from __future__ import annotations

import http.server
import io
import json
import threading

import pytest
from django.core.management import CommandError, call_command

from sitroom.audit.models import AuditEvent
from sitroom.factchecks.imports import (
    factchecks_import,
    factchecks_import_url_start,
    verdict_rating,
)
from sitroom.factchecks.models import Article, Claim, ImportRun
from sitroom.factchecks.selectors import factchecks_matching

pytestmark = pytest.mark.django_db


def claimreview(url: str, claim: str, verdict: str = "False", **extra) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim,
        "datePublished": "2026-10-01",
        "author": {"@type": "Organization", "name": "Partner Checks"},
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "A politician"},
            "appearance": [{"@type": "CreativeWork", "url": "https://social.example/p/9"}],
        },
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": verdict},
        "inLanguage": "en",
        **extra,
    }


def reasons(run: ImportRun) -> dict[str, str]:
    """The first skip reason of each item."""
    out: dict[str, str] = {}
    for d in run.details:
        if d["outcome"] == "skipped":
            out.setdefault(d["item"], d["reason"])
    return out


def test_claimreview_json_is_idempotent_and_explains_skips(newsrooms):
    n = newsrooms
    items = [
        claimreview(
            "https://partner.example/1",
            "Polls close at noon",
            headline="Polls do not close at noon",
        ),
        claimreview("https://partner.example/2", "Ink washes off", verdict="Mostly fake news"),
        claimreview("https://partner.example/3", "Votes are counted abroad", verdict="Wobbly"),
        claimreview("https://partner.example/4", ""),
        claimreview("https://partner.example/1", "Polls close at noon"),
    ]
    data = json.dumps({"@graph": items}).encode()
    run = factchecks_import(
        organisation=n.afrique, fmt="claimreview", data=data, source="f", by=None
    )
    assert (run.imported, run.updated, run.skipped) == (2, 0, 3)
    why = reasons(run)
    assert "not on this deployment's scale" in why["https://partner.example/3"]
    assert why["https://partner.example/4"] == "no claim text"
    assert "duplicate" in run.details[-1]["reason"]
    article = Article.objects.get(import_key="url:afrique:https://partner.example/1")
    assert article.title == "Polls do not close at noon" and article.is_published
    assert article.rating == n.false and article.external_url == "https://partner.example/1"
    assert Article.objects.get(import_key="url:afrique:https://partner.example/2").rating == n.false

    again = factchecks_import(
        organisation=n.afrique, fmt="claimreview", data=data, source="f", by=None
    )
    assert (again.imported, again.updated) == (0, 0)
    assert reasons(again)["https://partner.example/1"] == "unchanged since the last import"
    assert Article.objects.count() == 2

    items[0]["reviewRating"]["alternateName"] = "True"
    changed = factchecks_import(
        organisation=n.afrique, fmt="claimreview", data=json.dumps(items[:1]), source="f", by=None
    )
    assert (changed.imported, changed.updated) == (0, 1)
    assert Article.objects.get(import_key="url:afrique:https://partner.example/1").rating == n.true


def test_claimreview_from_pasted_html_and_datafeed(newsrooms):
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [claimreview("https://partner.example/9", "Dead people vote")],
    }
    html = (
        "<html><head><script type='application/ld+json'>"
        + json.dumps(claimreview("https://partner.example/8", "Ballots are pre-marked"))
        + '</script><script type="application/ld+json">{not json</script>'
        '<script type="application/ld+json">' + json.dumps(feed) + "</script></head></html>"
    )
    run = factchecks_import(
        organisation=newsrooms.afrique, fmt="claimreview", data=html, source="pasted", by=None
    )
    assert (run.imported, run.skipped) == (2, 1)
    assert "invalid JSON" in run.details[0]["reason"]
    nothing = factchecks_import(
        organisation=newsrooms.afrique, fmt="claimreview", data="<p>hi</p>", source="x", by=None
    )
    assert "no JSON-LD" in nothing.error


CSV = """id,url,claim,claimant,claim_date,appearance_url,title,rating,summary,language,published_at
a1,,Voting moved to Monday,Anon,2026-09-30,,Voting was not moved,Faux,Same date,fr,2026-10-02
a2,,Ink washes off,,,,Ink stays,Falso,,es,
a3,,,,,,No claim here,False,,,
a4,,Counted abroad,,,,Counted at home,Nonsense,,,
"""


def test_csv_import(newsrooms):
    run = factchecks_import(
        organisation=newsrooms.afrique, fmt="csv", data=CSV.encode(), source="c.csv", by=None
    )
    assert (run.imported, run.updated, run.skipped) == (2, 0, 2), run.details
    why = reasons(run)
    assert why["line 4 (a3)"] == "no claim text"
    assert "'Nonsense'" in why["line 5 (a4)"]
    moved = Article.objects.get(import_key="id:afrique:csv:a1")
    assert moved.language == "fr" and moved.rating == newsrooms.false
    assert moved.published_at.date().isoformat() == "2026-10-02"
    again = factchecks_import(
        organisation=newsrooms.afrique, fmt="csv", data=CSV.encode(), source="c.csv", by=None
    )
    assert (again.imported, again.updated) == (0, 0)
    bad = factchecks_import(
        organisation=newsrooms.afrique, fmt="csv", data=b"a,b\n1,2\n", source="x", by=None
    )
    assert "'claim' column" in bad.error
    binary = factchecks_import(
        organisation=newsrooms.afrique, fmt="csv", data=b"\xff\xfe\x00", source="x", by=None
    )
    assert "UTF-8" in binary.error


VCLAIMS = "\n".join(
    [
        json.dumps(
            {
                "vclaim_id": "v1",
                "title": "Did the vote move to Wednesday?",
                "subtitle": "A post says one party votes later",
                "vclaim": "One party votes on Wednesday",
                "date": "2026-09-01",
                "url": "https://snopes.example/v1",
            }
        ),
        json.dumps({"title": "no id"}),
        "{broken",
        json.dumps({"vclaim_id": "v2", "title": "", "subtitle": "", "vclaim": ""}),
    ]
)


def test_vclaims_import_through_the_command(
    newsrooms, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "vclaims.jsonl"
    path.write_text(VCLAIMS)
    with pytest.raises(CommandError, match="no rating 'Nope'"):
        call_command("factchecks_import", str(path), format="vclaims", org="afrique", rating="Nope")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "factchecks_import",
            str(path),
            format="vclaims",
            org="afrique",
            rating="False",
            stdout=out,
        )
    text = out.getvalue()
    assert "1 imported, 0 updated, 3 skipped" in text
    assert "no vclaim_id" in text and "invalid JSON" in text and "no claim text" in text
    article = Article.objects.get(import_key="id:afrique:vclaims:v1")
    assert article.summary == "A post says one party votes later"
    # Imported fact-checks are matchable.
    assert factchecks_matching("one party votes on Wednesday", limit=1)[0].article_id == article.pk
    out = io.StringIO()
    call_command(
        "factchecks_import", str(path), format="vclaims", org="afrique", rating="False", stdout=out
    )
    assert "0 imported, 0 updated, 4 skipped" in out.getvalue()
    # Without a default rating the verdict-less items are skipped, with the reason.
    path.write_text(VCLAIMS.splitlines()[0].replace("v1", "v9"))
    out = io.StringIO()
    call_command("factchecks_import", str(path), format="vclaims", org="afrique", stdout=out)
    assert "no rating" in out.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


def test_feed_url_is_fetched_by_a_task(newsrooms, django_capture_on_commit_callbacks):
    html = (
        "<script type=application/ld+json>"
        + json.dumps(claimreview("https://partner.example/u1", "The count stops at midnight"))
        + "</script>"
    )
    _Handler.body = html.encode()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/feed"
        with django_capture_on_commit_callbacks(execute=True):
            run = factchecks_import_url_start(organisation=newsrooms.afrique, url=url, by=None)
        run.refresh_from_db()
        assert run.finished_at and run.imported == 1, (run.error, run.details)
        # A dead address: the run records why, nothing is raised.
        with django_capture_on_commit_callbacks(execute=True):
            dead = factchecks_import_url_start(
                organisation=newsrooms.afrique, url="http://127.0.0.1:9/none", by=None
            )
        dead.refresh_from_db()
        assert dead.finished_at and "could not fetch" in dead.error
    finally:
        server.shutdown()


def test_upload_page_for_newsroom_admins(newsrooms, login):
    client = login(newsrooms.edna)
    assert client.get("/factchecks/import/").status_code == 200
    upload = io.BytesIO(CSV.encode())
    upload.name = "checks.csv"
    response = client.post(
        "/factchecks/import/",
        {"organisation": newsrooms.afrique.pk, "format": "csv", "file": upload},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 imported, 0 updated, 2 skipped." in page and "no claim text" in page
    assert login(newsrooms.kofi).get("/factchecks/import/").status_code == 404


def test_another_newsroom_importing_the_same_page_does_not_overwrite_it(newsrooms):
    n = newsrooms
    page = "https://news.example/fc/ballots-1"
    mine = claimreview(page, "Ballots are pre-marked in district 9", headline="Not pre-marked")
    factchecks_import(
        organisation=n.afrique, fmt="claimreview", data=json.dumps(mine), source="f", by=None
    )
    theirs = claimreview(
        page, "Ballots are pre-marked in district 9", verdict="True", headline="Overwritten"
    )
    run = factchecks_import(
        organisation=n.sur, fmt="claimreview", data=json.dumps(theirs), source="f", by=None
    )
    assert (run.imported, run.updated) == (1, 0)
    afrique = Article.objects.get(authors__organisation=n.afrique)
    assert afrique.title == "Not pre-marked" and afrique.rating == n.false
    sur = Article.objects.get(authors__organisation=n.sur)
    assert sur.title == "Overwritten" and sur.rating == n.true
    assert sur.claim == afrique.claim  # one claim in the shared queue
    # An update by the second newsroom of its claim text leaves the shared claim alone.
    theirs["claimReviewed"] = "Ballots are pre-marked in district 10"
    factchecks_import(
        organisation=n.sur, fmt="claimreview", data=json.dumps(theirs), source="f", by=None
    )
    afrique.refresh_from_db()
    assert afrique.claim.text == "Ballots are pre-marked in district 9"
    assert Article.objects.get(pk=sur.pk).claim.text == "Ballots are pre-marked in district 10"
    assert not AuditEvent.objects.filter(
        object_type="factchecks.article", object_id=str(afrique.pk), organisation=n.sur
    ).exists()  # (an import run may share the number: PostgreSQL counts each table alone)


def test_articles_imported_under_unscoped_url_keys_stay_their_newsrooms(newsrooms):
    n = newsrooms
    page = "https://news.example/fc/old"
    item = claimreview(page, "Dead people vote in district 4", headline="Old import")
    factchecks_import(
        organisation=n.afrique, fmt="claimreview", data=json.dumps(item), source="f", by=None
    )
    old = Article.objects.get()
    Article.objects.filter(pk=old.pk).update(import_key=f"url:{page}")  # the former key
    item["headline"] = "Someone else's"
    factchecks_import(
        organisation=n.sur, fmt="claimreview", data=json.dumps(item), source="f", by=None
    )
    old.refresh_from_db()
    assert old.title == "Old import" and old.import_key == f"url:{page}"
    item["headline"] = "Updated by its own newsroom"
    run = factchecks_import(
        organisation=n.afrique, fmt="claimreview", data=json.dumps(item), source="f", by=None
    )
    assert (run.imported, run.updated) == (0, 1)
    old.refresh_from_db()
    assert old.title == "Updated by its own newsroom"
    assert old.import_key == f"url:afrique:{page}"


@pytest.mark.parametrize(
    ("verdict", "normalised"),
    [
        ("Untrue", "false"),
        ("Not true", "false"),
        ("NOT TRUE!", "false"),
        ("Not correct", "false"),
        ("Incorrect", "false"),
        ("Inaccurate", "false"),
        ("Mostly false", "false"),
        ("Pants on Fire!", "false"),
        ("C'est faux", "false"),
        ("Ce n'est pas vrai", "false"),
        ("No es verdad", "false"),
        ("Não é verdade", "false"),
        ("Si kweli", "false"),
        ("غير صحيح", "false"),
        ("Unproven", "unproven"),
        ("No evidence", "unproven"),
        ("Not proven", "unproven"),
        ("Non prouvé", "unproven"),
        ("Sin pruebas", "unproven"),
        ("Half-true", "missing_context"),
        ("Missing context", "missing_context"),
        ("Misleading", "misleading"),
        ("Engañoso", "misleading"),
        ("Exaggerated", "misleading"),
        ("Satire", "satire"),
        ("True", "true"),
        ("Mostly true", "true"),
        ("Correct", "true"),
        ("Verdadeiro", "true"),
        ("Kweli", "true"),
        ("صحيح", "true"),
        ("Not entirely true", None),  # negated: a person decides, not the importer
        ("Not false", None),
        ("Truthful-ish?", None),
        ("Wobbly", None),
    ],
)
def test_verdicts_in_words(verdict, normalised):
    assert verdict_rating(verdict) == normalised


def test_negative_verdicts_are_not_imported_as_true(newsrooms):
    items = [
        claimreview(f"https://probe.example/v{i}", f"Verdict probe claim {i}", verdict=v)
        for i, v in enumerate(["Untrue", "Not true", "Not correct", "No evidence"])
    ]
    factchecks_import(
        organisation=newsrooms.afrique,
        fmt="claimreview",
        data=json.dumps({"@graph": items}),
        source="f",
        by=None,
    )
    ratings = dict(Article.objects.values_list("claim__text", "rating__normalised"))
    assert ratings["Verdict probe claim 0"] == "false"
    assert ratings["Verdict probe claim 1"] == "false"
    assert ratings["Verdict probe claim 2"] == "false"
    assert "Verdict probe claim 3" not in ratings  # "unproven" is not on this test's scale


def test_only_web_links_are_stored_from_imports(newsrooms):
    items = [
        {**claimreview("javascript:alert(1)", "Script link claim"), "url": "javascript:alert(1)"},
        claimreview("https://partner.example/ok", "Web link claim"),
    ]
    items[0]["itemReviewed"]["appearance"] = [{"url": "data:text/html,<script>x</script>"}]
    factchecks_import(
        organisation=newsrooms.afrique,
        fmt="claimreview",
        data=json.dumps({"@graph": items}),
        source="f",
        by=None,
    )
    bad = Claim.objects.get(text="Script link claim")
    assert [s.url for s in bad.sources.all()] == [""] and bad.appearance_url == ""
    assert bad.articles.get().external_url == ""
    good = Claim.objects.get(text="Web link claim")
    assert [s.url for s in good.sources.all()] == ["https://partner.example/ok"]


def test_import_dates_a_database_could_not_give_back_are_dropped():
    from sitroom.factchecks.imports import _when

    assert _when("0001-01-01T00:00:00+14:00") is None  # before year 1 in UTC
    assert _when("9999-12-31T23:59:59-14:00") is None  # after year 9999 in UTC
    assert _when("2027-02-30T10:00:00Z") is None  # no such day
    assert _when("2026-05-01T10:00:00+02:00").hour == 8
