"""Importing fact-checks published elsewhere: ClaimReview JSON-LD, CSV and CLEF vclaims.

Every import is idempotent: each item has a key (its external id, else its URL, else its
normalised claim text, always within the importing newsroom), so the same newsroom importing
the same item again updates it if it changed and skips it otherwise. Each item is committed on
its own; one bad item is skipped with its reason and the import goes on. The result (imported
/ updated / skipped, and why) is kept in an ImportRun.

CSV columns (a header row is required; only ``claim`` and ``rating`` are needed)::

    id, url, claim, claimant, claim_date, appearance_url, title, rating, summary,
    language, published_at

CLEF vclaims (JSON lines): ``vclaim_id``, ``title``, ``subtitle``, ``vclaim``, optional
``date`` and ``url``; they carry no verdict, so the import's default rating is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from sitroom.accounts.models import Organisation
from sitroom.audit.services import audit_record
from sitroom.factchecks import conf
from sitroom.factchecks.claimreview import (
    ClaimReviewParseError,
    claimreview_fields,
    claimreviews_from_text,
)
from sitroom.factchecks.models import (
    Article,
    ArticleAuthor,
    ArticleStatus,
    Claim,
    ClaimStatus,
    ImportRun,
    NormalisedRating,
    Rating,
    SourceKind,
)
from sitroom.factchecks.selectors import article_owner_id
from sitroom.lib import fingerprint
from sitroom.lib.urls import web_url
from sitroom.lib.values import storable_utc

log = logging.getLogger(__name__)

FORMATS = ("claimreview", "csv", "vclaims")
CSV_COLUMNS = (
    "id",
    "url",
    "claim",
    "claimant",
    "claim_date",
    "appearance_url",
    "title",
    "rating",
    "summary",
    "language",
    "published_at",
)
MAX_DETAILS = 2000

# Words and phrases in verdicts (several languages) → normalised rating, for labels not on our
# scale. Matched as whole words ("true" is not found in "untrue"); a trailing * matches any
# ending. The first group with a match wins, so a negative phrase ("not true", "no evidence",
# "si kweli") is listed before the word it contains ("true", "kweli"). Accents are ignored.
_VERDICT_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (NormalisedRating.SATIRE, ("satire", "satira", "satirique", "satirico", "parod*")),
    (
        NormalisedRating.MISSING_CONTEXT,
        (
            "missing context",
            "context",
            "contexte",
            "contexto",
            "half true",
            "mixture",
            "mixed",
            "partly",
            "partially",
            "en partie",
            "a medias",
            "parcialmente",
            "nusu kweli",
        ),
    ),
    (
        NormalisedRating.MISLEADING,
        (
            "misleading",
            "trompeur",
            "trompeuse",
            "enganoso",
            "enganosa",
            "enganador",
            "distort*",
            "exaggerat*",
            "exagere*",
            "exagerad*",
            "مضلل",
        ),
    ),
    (
        NormalisedRating.UNPROVEN,
        (
            "unproven",
            "not proven",
            "unverified",
            "not verified",
            "unverifiable",
            "unsupported",
            "unsubstantiated",
            "no evidence",
            "no proof",
            "lacks evidence",
            "non prouve",
            "pas de preuve*",
            "non verifie",
            "invérifiable",
            "sin pruebas",
            "sin evidencia*",
            "no hay pruebas",
            "no probado",
            "no verificado",
            "inverificable",
            "sem provas",
            "sem evidencia*",
            "nao comprovado",
            "nao verificado",
            "haijathibitishwa",
            "hakuna ushahidi",
            "غير مؤكد",
            "غير مثبت",
            "لا دليل",
        ),
    ),
    (
        NormalisedRating.FALSE,
        (
            "false",
            "untrue",
            "not true",
            "not correct",
            "incorrect",
            "not accurate",
            "inaccurate",
            "wrong",
            "fake",
            "pants on fire",
            "faux",
            "fausse",
            "pas vrai",
            "inexact*",
            "falso",
            "falsa",
            "no es verdad",
            "no es cierto",
            "nao e verdade",
            "si kweli",
            "sio kweli",
            "uongo",
            "كاذب",
            "كاذبة",
            "خطأ",
            "زائف",
            "زائفة",
            "غير صحيح",
            "غير صحيحة",
            "ليس صحيحا",
        ),
    ),
    (
        NormalisedRating.TRUE,
        (
            "true",
            "correct",
            "accurate",
            "vrai",
            "exact",
            "verdadero",
            "verdadera",
            "cierto",
            "verdadeiro",
            "verdadeira",
            "kweli",
            "صحيح",
            "صحيحة",
        ),
    ),
]
# A verdict word right after one of these ("not entirely true", "n'est pas faux") is not read
# at all: the item is skipped with its reason rather than given a rating it does not have.
_NEGATIONS = frozenset(
    {
        *("not", "no", "never", "isnt", "hardly"),  # en
        *("pas", "non", "ni", "jamais"),  # fr
        *("nunca", "nao", "nem"),  # es, pt (and "no", "ni")
        *("sio", "hakuna"),  # sw
        *("غير", "ليس", "ليست", "لا"),  # ar
    }
)
_NEGATION_REACH = 2  # words


def _fold(text: str) -> str:
    """Casefolded, without accents, hyphens, underscores or typographic apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-_]+", " ", plain).split())


def _verdict_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [
        re.escape(_fold(w.rstrip("*"))) + (r"\w*" if w.endswith("*") else "") for w in words
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


_VERDICT_PATTERNS = [(normalised, _verdict_pattern(words)) for normalised, words in _VERDICT_WORDS]


def _negated(before: str) -> bool:
    clause = re.split(r"[.,;:!?()]", before)[-1]
    words = re.findall(r"[\w']+", clause)[-_NEGATION_REACH:]
    return any(w in _NEGATIONS or w.endswith("n't") for w in words)


def verdict_rating(verdict: str) -> str | None:
    """The normalised rating a verdict in words means, or None if it cannot be told."""
    text = _fold(verdict)
    for normalised, pattern in _VERDICT_PATTERNS:
        if any(not _negated(text[: m.start()]) for m in pattern.finditer(text)):
            return normalised
    return None


class ImportFormatError(ValueError):
    """The whole input is unreadable (not one item): the message says what was expected."""


@dataclass
class ImportItem:
    label: str  # how the report names the item (line number, id, url)
    external_id: str = ""
    url: str = ""
    claim: str = ""
    claimant: str = ""
    claim_date: str = ""
    appearance_url: str = ""
    title: str = ""
    rating: str = ""
    rating_value: Any = None
    best: Any = None
    worst: Any = None
    summary: str = ""
    language: str = ""
    published: str = ""
    problem: str = ""  # set when the item could not even be read


# --- readers --------------------------------------------------------------------------------


def decode_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFormatError("the file is not UTF-8 text") from None


def read_claimreview(text: str) -> Iterator[ImportItem]:
    try:
        objects, problems = claimreviews_from_text(text)
    except ClaimReviewParseError as exc:
        raise ImportFormatError(str(exc)) from None
    for problem in problems:
        yield ImportItem(label=problem.split(":")[0], problem=problem)
    if not objects and not problems:
        raise ImportFormatError("no ClaimReview objects found in the JSON-LD")
    for n, obj in enumerate(objects, start=1):
        f = claimreview_fields(obj)
        yield ImportItem(
            label=f.get("url") or f"ClaimReview {n}",
            url=f["url"],
            claim=f["claim"],
            claimant=f["claimant"],
            claim_date=f["claim_date"],
            appearance_url=f["appearance_url"],
            title=f["title"],
            rating=f["rating"],
            rating_value=f["rating_value"],
            best=f["best"],
            worst=f["worst"],
            summary=f["summary"],
            language=f["language"],
            published=f["published"],
        )


def read_csv(text: str) -> Iterator[ImportItem]:
    reader = csv.DictReader(io.StringIO(text))
    names = [n.strip().lower() for n in reader.fieldnames or []]
    if "claim" not in names:
        raise ImportFormatError(
            "CSV needs a header row with at least a 'claim' column; columns: "
            + ", ".join(CSV_COLUMNS)
        )
    reader.fieldnames = names
    for row in reader:
        line = reader.line_num
        get = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if not any(get.values()):
            continue
        yield ImportItem(
            label=f"line {line}" + (f" ({get['id']})" if get.get("id") else ""),
            external_id=get.get("id", ""),
            url=get.get("url", ""),
            claim=get.get("claim", ""),
            claimant=get.get("claimant", ""),
            claim_date=get.get("claim_date", ""),
            appearance_url=get.get("appearance_url", ""),
            title=get.get("title", ""),
            rating=get.get("rating", ""),
            summary=get.get("summary", ""),
            language=get.get("language", ""),
            published=get.get("published_at", ""),
        )


def read_vclaims(text: str) -> Iterator[ImportItem]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield ImportItem(label=f"line {lineno}", problem=f"invalid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield ImportItem(label=f"line {lineno}", problem="not a JSON object")
            continue
        vid = str(obj.get("vclaim_id") or "").strip()
        yield ImportItem(
            label=f"line {lineno}" + (f" ({vid})" if vid else ""),
            external_id=vid,
            url=str(obj.get("url") or "").strip(),
            claim=str(obj.get("vclaim") or "").strip(),
            title=str(obj.get("title") or "").strip(),
            summary=str(obj.get("subtitle") or "").strip(),
            published=str(obj.get("date") or "").strip(),
            language=str(obj.get("lang") or obj.get("language") or "").strip(),
            problem="" if vid else "no vclaim_id",
        )


READERS = {"claimreview": read_claimreview, "csv": read_csv, "vclaims": read_vclaims}


# --- mapping --------------------------------------------------------------------------------


def rating_for(item: ImportItem, default: Rating | None) -> Rating | None:
    """Our rating for an item's verdict: same label, else by meaning, else ``default``."""
    ratings = list(Rating.objects.filter(active=True))
    text = item.rating.strip().casefold()
    if text:
        for r in ratings:
            labels = [r.label, *[str(v) for v in (r.translations or {}).values()]]
            if any(text == label.casefold() for label in labels):
                return r
        normalised = verdict_rating(text)
        return next((r for r in ratings if r.normalised == normalised), None)
    try:
        value, best, worst = float(item.rating_value), float(item.best), float(item.worst)
    except (TypeError, ValueError):
        return default
    if best == worst:
        return default
    position = (value - worst) / (best - worst)
    if position <= 0.2:
        return next((r for r in ratings if r.normalised == NormalisedRating.FALSE), None)
    if position >= 0.8:
        return next((r for r in ratings if r.normalised == NormalisedRating.TRUE), None)
    return next((r for r in ratings if r.normalised == NormalisedRating.MISLEADING), None)


def _when(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
        day = parse_date(value[:10]) if parsed is None else None
    except ValueError:  # well formed, but no such day ("2027-02-30")
        return None
    if parsed is None:
        if day is None:
            return None
        parsed = dt.datetime.combine(day, dt.time(12, 0))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    # Year 1 at +14:00 is a year before 1 in UTC: PostgreSQL stores it but cannot read it
    # back, and every page listing the fact-check failed. Such a date is dropped, not kept.
    return storable_utc(parsed)


def _bounded_key(key: str) -> str:
    if len(key) > 300:
        key = key[:200] + ":" + hashlib.sha256(key.encode()).hexdigest()
    return key


def import_key(item: ImportItem, organisation: Organisation, fmt: str) -> str:
    """The item's key, always within the importing newsroom: another newsroom importing the
    same page makes its own article, never an update of this one."""
    if item.external_id:
        key = f"id:{organisation.slug}:{fmt}:{item.external_id}"
    elif item.url:
        key = f"url:{organisation.slug}:{item.url}"
    else:
        key = f"claim:{organisation.slug}:{fingerprint.exact_key(item.claim)}"
    return _bounded_key(key)


def _imported_article(item: ImportItem, organisation: Organisation, key: str) -> Article | None:
    """The article an earlier import of the item made for ``organisation``, if any.

    Keys by URL once left out the newsroom ("url:<url>"); such an article is found only when
    ``organisation`` imported it (it is the first author), and takes the current key.
    """
    mine = Article.objects.select_related("claim").filter(authors__organisation=organisation)
    found = mine.filter(import_key=key).first()
    if found is None and key.startswith("url:"):
        legacy = mine.filter(import_key=_bounded_key(f"url:{item.url}")).first()
        if legacy is not None and article_owner_id(legacy) == organisation.pk:
            legacy.import_key = key
            legacy.save(update_fields=["import_key"])
            found = legacy
    return found


def _link(url: str) -> str:
    """An http(s) link that fits the URL fields, else ""."""
    url = web_url(url)
    return url if len(url) <= 1000 else ""


def _claim_for(
    item: ImportItem,
    *,
    text: str,
    language: str,
    key: str,
    organisation: Organisation,
    by: User | None,
) -> Claim:
    """The queue's claim with this text (claims are shared by every newsroom), else a new one."""
    from sitroom.factchecks.services import claim_create

    claim = (
        Claim.objects.filter(exact_key=fingerprint.exact_key(text)[:32])
        .exclude(status=ClaimStatus.MERGED)
        .order_by("pk")
        .first()
    )
    if claim is None:
        claim = claim_create(
            text=text,
            language=language,
            claimant=item.claimant,
            appearance_url=_link(item.appearance_url),
            appeared_at=_when(item.claim_date),
            organisation=organisation,
            by=by,
            sources=[(SourceKind.IMPORT, key[:64], _link(item.url))],
        )
    return claim


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Outcome:
    outcome: str  # imported | updated | skipped
    reason: str = ""
    article_id: int | None = None


def _import_one(
    item: ImportItem,
    *,
    organisation: Organisation,
    fmt: str,
    by: User | None,
    default_rating: Rating | None,
) -> _Outcome:
    if item.problem:
        return _Outcome("skipped", item.problem)
    if not item.claim:
        return _Outcome("skipped", "no claim text")
    claim_text = item.claim
    rating = rating_for(item, default_rating)
    if rating is None:
        if item.rating:
            return _Outcome("skipped", f"rating {item.rating!r} is not on this deployment's scale")
        return _Outcome("skipped", "no rating (give a default rating for this import)")
    key = import_key(item, organisation, fmt)
    title = (item.title or claim_text)[:300]
    language = (item.language or "").lower()[:12] or "en"
    published = _when(item.published)
    external_url = _link(item.url)
    existing = _imported_article(item, organisation, key)
    if existing is not None:
        wanted = {
            "title": title,
            "summary": item.summary,
            "rating_id": rating.pk,
            "language": language,
            "external_url": external_url,
        }
        changed = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
        claim_changed = existing.claim.text != claim_text
        if not changed and not claim_changed:
            return _Outcome("skipped", "unchanged since the last import", existing.pk)
        for k, v in changed.items():
            setattr(existing, k, v)
        if claim_changed:
            claim = existing.claim
            if (
                claim.organisation_id == organisation.pk
                and not claim.articles.exclude(pk=existing.pk).exists()
            ):
                claim.text = claim_text
                claim.save(update_fields=["text"])
                from sitroom.factchecks.services import _fingerprint_claim

                _fingerprint_claim(claim)
            else:
                # The claim is shared with other articles (other newsrooms' too): this import
                # moves its own article, and leaves the claim as they know it.
                existing.claim = _claim_for(
                    item,
                    text=claim_text,
                    language=language,
                    key=key,
                    organisation=organisation,
                    by=by,
                )
        existing.updated_at = timezone.now()
        existing.save()
        audit_record(
            action="article.import_update",
            obj=existing,
            organisation=organisation,
            after={**changed, "claim_changed": claim_changed, "key": key},
            actor_user=by,
        )
        return _Outcome("updated", ", ".join(sorted(changed)) or "claim", existing.pk)
    claim = _claim_for(
        item, text=claim_text, language=language, key=key, organisation=organisation, by=by
    )
    from sitroom.factchecks.services import _unique_slug

    now = timezone.now()
    article = Article.objects.create(
        claim=claim,
        title=title,
        slug=_unique_slug(title),
        language=language,
        rating=rating,
        summary=item.summary,
        status=ArticleStatus.PUBLISHED,
        created_by=by,
        published_at=published or now,
        created_at=now,
        updated_at=now,
        external_url=external_url,
        import_key=key,
    )
    ArticleAuthor.objects.create(article=article, organisation=organisation)
    claim.status = ClaimStatus.DONE
    claim.save(update_fields=["status"])
    audit_record(
        action="article.import",
        obj=article,
        organisation=organisation,
        after={"key": key, "title": title, "rating": rating.label},
        actor_user=by,
    )
    return _Outcome("imported", "", article.pk)


def import_run_create(
    *, organisation: Organisation, fmt: str, source: str, by: User | None
) -> ImportRun:
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return ImportRun.objects.create(
        organisation=organisation, format=fmt, source=source[:1000], created_by=by
    )


def import_run_process(
    *, run: ImportRun, text: str, default_rating: Rating | None = None
) -> ImportRun:
    """Import every item of ``text`` into ``run`` (each item in its own transaction)."""
    organisation = run.organisation
    by = run.created_by
    seen: set[str] = set()
    touched: list[int] = []
    details: list[dict[str, Any]] = []
    counts = {"imported": 0, "updated": 0, "skipped": 0}
    try:
        for item in READERS[run.format](text):
            key = import_key(item, organisation, run.format) if not item.problem else ""
            if key and key in seen:
                outcome = _Outcome("skipped", "duplicate of an earlier item in this input")
            else:
                seen.add(key)
                try:
                    with transaction.atomic():
                        outcome = _import_one(
                            item,
                            organisation=organisation,
                            fmt=run.format,
                            by=by,
                            default_rating=default_rating,
                        )
                except Exception as exc:
                    log.exception("import item %s failed", item.label)
                    outcome = _Outcome("skipped", f"error: {exc}")
            counts[outcome.outcome] += 1
            if outcome.outcome in ("imported", "updated") and outcome.article_id:
                touched.append(outcome.article_id)
            if len(details) < MAX_DETAILS:
                details.append(
                    {"item": item.label[:300], "outcome": outcome.outcome, "reason": outcome.reason}
                )
    except ImportFormatError as exc:
        run.error = str(exc)
    run.imported, run.updated, run.skipped = (
        counts["imported"],
        counts["updated"],
        counts["skipped"],
    )
    run.details = details
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        action="factchecks.import",
        obj=run,
        organisation=organisation,
        after={**counts, "format": run.format, "error": run.error},
        actor_user=by,
    )
    if touched:
        _index_after_import(touched)
    return run


def _index_after_import(article_ids: list[int]) -> None:
    from sitroom.factchecks.tasks import factcheck_index_update

    def run() -> None:
        from sitroom.factchecks.index import apply_article, index_writer

        try:
            with index_writer(wait_seconds=0) as index:
                for article in (
                    Article.objects.filter(pk__in=article_ids)
                    .select_related("claim", "rating")
                    .prefetch_related("translations")
                ):
                    apply_article(index, article, article.pk)
            return
        except Exception:
            log.info("indexing %d imported articles in the background", len(article_ids))
        for article_id in article_ids:
            factcheck_index_update.enqueue(article_id)

    transaction.on_commit(run)


def factchecks_import(
    *,
    organisation: Organisation,
    fmt: str,
    data: bytes | str,
    source: str,
    by: User | None,
    default_rating: Rating | None = None,
) -> ImportRun:
    """Import a file's worth of fact-checks for ``organisation`` (see the module docstring)."""
    run = import_run_create(organisation=organisation, fmt=fmt, source=source, by=by)
    try:
        text = decode_upload(data) if isinstance(data, bytes) else data
    except ImportFormatError as exc:
        run.error = str(exc)
        run.finished_at = timezone.now()
        run.save()
        return run
    return import_run_process(run=run, text=text, default_rating=default_rating)


def factchecks_import_url_start(
    *, organisation: Organisation, url: str, by: User | None
) -> ImportRun:
    """Queue the fetch of a ClaimReview feed or page; the task fills in the run."""
    if not url.startswith(("http://", "https://")):
        raise ImportFormatError("only http:// and https:// URLs can be fetched")
    run = import_run_create(organisation=organisation, fmt="claimreview", source=url, by=by)
    from sitroom.factchecks.tasks import factchecks_import_url

    run_id = run.pk
    transaction.on_commit(lambda: factchecks_import_url.enqueue(run_id=run_id, url=url))
    return run


def fetch_url(url: str) -> str:
    """GET ``url`` with the configured timeout and size limit; returns the body as text."""
    if not url.startswith(("http://", "https://")):
        raise ImportFormatError("only http:// and https:// URLs can be fetched")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        headers={
            "User-Agent": "sitroom-factchecks/1",
            "Accept": "application/ld+json, application/json, text/html;q=0.9",
        },
    )
    limit = conf.fetch_max_bytes()
    with urllib.request.urlopen(request, timeout=conf.fetch_timeout_seconds()) as response:  # noqa: S310
        body = response.read(limit + 1)
        charset = response.headers.get_content_charset() or "utf-8"
    if len(body) > limit:
        raise ImportFormatError(f"the response is larger than {limit} bytes")
    return body.decode(charset, errors="replace")


def import_run_fetch_and_process(*, run_id: int, url: str) -> None:
    run = ImportRun.objects.select_related("organisation", "created_by").filter(pk=run_id).first()
    if run is None or run.finished_at is not None:
        return  # already done (the task ran twice)
    try:
        text = fetch_url(url)
    except (urllib.error.URLError, TimeoutError, OSError, ImportFormatError) as exc:
        run.error = f"could not fetch {url}: {getattr(exc, 'reason', exc)}"
        run.finished_at = timezone.now()
        run.save()
        return
    import_run_process(run=run, text=text)
