"""Every write of the public intake: submitting a report, routing it, telling the reporter.

``report_submit`` is the one path from the web form, the API and the messaging gateways.
It returns only after the transaction has committed, so a code handed to a reporter always
names a stored report; grouping into cases runs afterwards as a durable task.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sitroom.audit.services import audit_record
from sitroom.lib.crypto import decrypt_text, encrypt_text
from sitroom.lib.fingerprint import exact_key
from sitroom.lib.hashing import keyed_hash
from sitroom.lib.urls import canonical_url, platform_of
from sitroom.reports import conf
from sitroom.reports.instant import InstantAnswer, instant_answers, instant_answers_checked
from sitroom.reports.language import detect_language
from sitroom.reports.models import (
    AttachmentKind,
    Category,
    Channel,
    OutboundMessage,
    OutboundStatus,
    PreferredChannel,
    Report,
    ReportAttachment,
    ReportStatus,
    ReportUrl,
    attachment_path,
)
from sitroom.reports.uploads import CleanFile, check_sizes, clean_upload

logger = logging.getLogger("sitroom.reports")

URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{5,24}$")
_WEB_LINK = URLValidator(schemes=["http", "https"])
# When a reporter may say they saw the content: older dates are typing mistakes (and year 1
# in a time zone east of UTC is year 0 in UTC, which neither Python nor SQLite can store).
SEEN_AT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SEEN_AT_FUTURE_SLACK = timedelta(days=1)  # a reporter's clock or time zone may be off


class ReportInvalid(ValidationError):
    """The draft breaks a rule; ``message_dict`` maps field names to messages."""


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used with a different request."""


@dataclass
class ReportDraft:
    """What a reporter sent, parsed by a form, serializer or gateway adapter."""

    category: str = Category.OTHER
    urls: list[str] = field(default_factory=list)
    text: str = ""
    files: list[UploadedFile] = field(default_factory=list)
    gender_based: bool = False
    language: str = ""
    region: str = ""
    seen_at: datetime | None = None
    seen_where: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    preferred_channel: str = ""
    consent: bool = False
    # Where a gateway can reach the sender (phone number, chat id); encrypted with the contact.
    reply_address: str = ""


@dataclass
class Intake:
    report: Report
    created: bool
    folded: bool = False  # a duplicate of a recent report from the same sender
    instant: list[InstantAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class ReportContact:
    email: str = ""
    phone: str = ""
    preferred: str = ""
    address: str = ""  # the gateway address a message came from

    @property
    def is_empty(self) -> bool:
        return not (self.email or self.phone or self.address)


# --- Validation ----------------------------------------------------------------------------


def urls_from_text(text: str) -> list[str]:
    """The web links in a message (what only looks like one is left in the text alone)."""
    found = (m.group(0).rstrip(".,;:!?)]}") for m in URL_IN_TEXT.finditer(text or ""))
    return [url for url in found if len(url) <= 2000 and _valid_url(url)]


def _valid_url(url: str) -> bool:
    """An http(s) link a browser could open: no spaces, valid host labels, a port in range."""
    raw = url.strip()
    if not raw or any(ch.isspace() for ch in raw):
        return False
    canonical = canonical_url(raw)
    try:
        parts = urlsplit(canonical)
        port = parts.port  # ValueError when not a number or above 65535
        _WEB_LINK(canonical)
    except (ValueError, ValidationError):
        return False
    return port != 0 and "." in (parts.hostname or "")


def seen_at_error(seen_at: datetime | None) -> str:
    """Why ``seen_at`` cannot be when the reporter saw the content ("" when it can)."""
    if seen_at is None:
        return ""
    if seen_at < SEEN_AT_EARLIEST:
        return _("Give a date from the year 2000 on.")
    if seen_at > timezone.now() + SEEN_AT_FUTURE_SLACK:
        return _("This date is in the future.")
    return ""


def report_draft_errors(draft: ReportDraft) -> dict[str, list[str]]:
    """Cross-field checks shared by every channel; field parsing is the caller's job."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not (draft.urls or draft.text.strip() or draft.files):
        add(
            "__all__",
            _("Give at least one of: a link to the content, the text you saw, or a file."),
        )
    if draft.category not in Category.values:
        add("category", _("Choose one of the categories."))
    if len(draft.urls) > conf.MAX_URLS:
        # One error, without looking at each link: a list of a million would take long.
        add("urls", _("At most %(n)d links per report.") % {"n": conf.MAX_URLS})
    else:
        for url in draft.urls:
            if len(url) > 2000 or not _valid_url(url):
                add(
                    "urls",
                    _("“%(url)s” is not a web link (it should start with https://).")
                    % {"url": url[:80]},
                )
    if len(draft.text) > conf.MAX_TEXT_CHARS:
        add(
            "text",
            _("The text is too long (at most %(n)d characters).") % {"n": conf.MAX_TEXT_CHARS},
        )
    if draft.region and draft.region not in dict(conf.REGIONS):
        add("region", _("Choose one of the regions."))
    if draft.language and draft.language not in conf.REPORT_LANGUAGES:
        add("language", _("Choose one of the languages."))
    seen_problem = seen_at_error(draft.seen_at)
    if seen_problem:
        add("seen_at", seen_problem)
    if len(draft.seen_where) > 200:
        add("seen_where", _("At most 200 characters."))
    if draft.contact_email:
        try:
            EmailValidator()(draft.contact_email)
        except ValidationError:
            add("contact_email", _("Enter a valid email address, or leave it empty."))
    if draft.contact_phone and not _PHONE.match(draft.contact_phone):
        add(
            "contact_phone", _("Enter a phone number with its country code, e.g. +225 07 00 00 00.")
        )
    if draft.preferred_channel not in PreferredChannel.values:
        add("preferred_channel", _("Choose how we should contact you."))
    if draft.preferred_channel == PreferredChannel.EMAIL and not draft.contact_email:
        add("contact_email", _("Give an email address to be contacted by email."))
    if draft.preferred_channel in ("sms", "whatsapp", "telegram") and not draft.contact_phone:
        add("contact_phone", _("Give a phone number to be contacted by message."))
    if (draft.contact_email or draft.contact_phone) and not draft.consent:
        add("consent", _("To leave contact details, agree to how we use them (or leave them out)."))
    return errors


# --- Intake ---------------------------------------------------------------------------------


def _hash(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


def _request_fingerprint(draft: ReportDraft) -> str:
    """Equal for two requests carrying the same report, however they were encoded."""
    file_hashes = []
    for f in draft.files:
        f.seek(0)
        file_hashes.append(hashlib.sha256(f.read()).hexdigest())
        f.seek(0)
    payload = json.dumps(
        {
            "category": draft.category,
            "urls": draft.urls,
            "text": draft.text,
            "files": file_hashes,
            "gender_based": draft.gender_based,
            "language": draft.language,
            "region": draft.region,
            "seen_at": draft.seen_at.isoformat() if draft.seen_at else "",
            "seen_where": draft.seen_where,
            "contact": [draft.contact_email, draft.contact_phone, draft.preferred_channel],
            "consent": draft.consent,
            "reply": draft.reply_address,
        },
        sort_keys=True,
    )
    return keyed_hash(payload, purpose="report-idempotency")


def _by_idempotency(key: str, fingerprint: str) -> Report | None:
    existing = Report.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.request_hash != fingerprint:
        raise IdempotencyConflict
    return existing


def _contact_token(draft: ReportDraft) -> str:
    contact = {
        "email": draft.contact_email.strip().lower(),
        "phone": draft.contact_phone.strip(),
        "preferred": draft.preferred_channel,
        "address": draft.reply_address,
    }
    if not any(contact[k] for k in ("email", "phone", "address")):
        return ""
    return encrypt_text(json.dumps(contact, separators=(",", ":")))


def _store_files(cleaned: list[CleanFile]) -> list[tuple[CleanFile, str]]:
    stored = []
    try:
        for item in cleaned:
            name = attachment_path(None, item.random_name())
            stored.append((item, default_storage.save(name, ContentFile(item.content))))
    except Exception:
        _delete_files([name for _, name in stored])
        raise
    return stored


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove an orphaned upload", exc_info=True)


def report_submit(
    *,
    draft: ReportDraft,
    channel: str,
    sender_hash: str,
    gateway: str = "",
    idempotency_key: str | None = None,
    with_instant_answer: bool = True,
) -> Intake:
    """Validate, clean and store one report; return it once committed.

    Raises ReportInvalid (a message per field), UploadRejected (a file we refuse, with an
    HTTP status) or IdempotencyConflict (the key was used for a different report).
    """
    errors = report_draft_errors(draft)
    if errors:
        raise ReportInvalid(errors)
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")

    key = fingerprint = ""
    if idempotency_key:
        key = _hash(channel, gateway, idempotency_key)
        fingerprint = _request_fingerprint(draft)
        existing = _by_idempotency(key, fingerprint)
        if existing is not None:
            return _answered(Intake(existing, created=False), with_instant_answer)

    check_sizes(draft.files)
    cleaned = [clean_upload(f) for f in draft.files]
    canonical = [
        (u.strip(), canonical_url(u)) for u in dict.fromkeys(u.strip() for u in draft.urls)
    ]
    text = draft.text.strip()
    text_key = exact_key(text) if text else ""
    content_key = _hash(
        draft.category,
        text_key,
        *sorted(c for _, c in canonical),
        *sorted(c.sha256 for c in cleaned),
    )

    dedup = bool(conf.DEDUP_MINUTES and sender_hash)
    # On PostgreSQL with the database queue, a report without files is stored by one
    # statement that also checks for a recent duplicate (see _insert_single_statement).
    single = not cleaned and _single_statement_possible()
    if dedup and (not single or _has_contact(draft)):
        recent = _recent_duplicate(sender_hash, content_key, channel)
        if recent is not None:
            if _may_fold(draft, recent):
                return _answered(Intake(recent, created=False, folded=True), with_instant_answer)
            dedup = False  # new contact details: a report of its own, so they are not lost

    language, detected = draft.language, False
    if not language and text:
        language, _confidence = detect_language(text)
        detected = bool(language)

    stored = _store_files(cleaned)
    try:
        for attempt in range(3):
            try:
                if single:
                    found = _insert_single_statement(
                        draft=draft,
                        channel=channel,
                        gateway=gateway,
                        sender_hash=sender_hash,
                        text=text,
                        text_key=text_key,
                        content_key=content_key,
                        language=language,
                        detected=detected,
                        key=key or None,
                        fingerprint=fingerprint,
                        canonical=canonical,
                        dedup=dedup,
                    )
                    if found is not None:
                        report = found
                        break
                    # Nothing inserted: a recent duplicate from this sender exists.
                    recent = _recent_duplicate(sender_hash, content_key, channel)
                    if recent is not None and _may_fold(draft, recent):
                        return _answered(
                            Intake(recent, created=False, folded=True), with_instant_answer
                        )
                    # It vanished in between, or it came (concurrently) with other contact
                    # details: store this one the ordinary way.
                    single = False
                report = _insert(
                    draft=draft,
                    channel=channel,
                    gateway=gateway,
                    sender_hash=sender_hash,
                    text=text,
                    text_key=text_key,
                    content_key=content_key,
                    language=language,
                    detected=detected,
                    key=key or None,
                    fingerprint=fingerprint,
                    canonical=canonical,
                    stored=stored,
                )
                break
            except IntegrityError:
                if key:
                    # Two requests with one key raced; the first one's report is the answer.
                    existing = _by_idempotency(key, fingerprint)
                    if existing is not None:
                        _delete_files([name for _, name in stored])
                        return _answered(Intake(existing, created=False), with_instant_answer)
                if attempt == 2:
                    raise
                # Otherwise a tracking code collided (1 in 2^45): draw another.
    except Exception:
        _delete_files([name for _, name in stored])
        raise
    return _answered(Intake(report, created=True), with_instant_answer)


def _has_contact(draft: ReportDraft) -> bool:
    return bool(draft.contact_email.strip() or draft.contact_phone.strip() or draft.reply_address)


def _may_fold(draft: ReportDraft, recent: Report) -> bool:
    """Whether a duplicate of ``recent`` can be answered with its code without losing anything:
    it brings no contact details, or the same ones (a double submit). Different people behind
    one shared address (a cybercafé, a mobile carrier's NAT) each keep their own contact."""
    if not _has_contact(draft):
        return True
    known = report_contact(recent)
    return (known.email, known.phone, known.address) == (
        draft.contact_email.strip().lower(),
        draft.contact_phone.strip(),
        draft.reply_address,
    )


def _recent_duplicate(sender_hash: str, content_key: str, channel: str) -> Report | None:
    return (
        Report.objects.filter(
            sender_hash=sender_hash,
            content_key=content_key,
            channel=channel,
            created_at__gte=timezone.now() - timedelta(minutes=conf.DEDUP_MINUTES),
        )
        .order_by("-created_at")
        .first()
    )


def _answered(intake: Intake, with_instant_answer: bool) -> Intake:
    if with_instant_answer:
        intake.instant = report_instant_answers(intake.report)
    return intake


def _instant_claim(report: Report) -> str:
    return report.text or " ".join(u.url for u in report.urls.all())


def report_instant_answers(report: Report) -> list[InstantAnswer]:
    """Published fact-checks answering the report, within the instant-answer time bound."""
    return instant_answers(_instant_claim(report), language=report.language or None)


def report_instant_answers_cached(report: Report) -> list[InstantAnswer]:
    """As report_instant_answers, cached per report (a complete answer only, never a timeout)
    so that a client polling ``GET /api/v1/reports/<code>/answers`` embeds the text once."""
    from django.core.cache import cache

    key = f"sitroom:instant:{report.code}"
    cached = cache.get(key) if conf.INSTANT_ANSWER_CACHE_SECONDS else None
    if cached is not None:
        return [InstantAnswer(**item) for item in cached]
    answers, complete = instant_answers_checked(
        _instant_claim(report), language=report.language or None
    )
    if complete and conf.INSTANT_ANSWER_CACHE_SECONDS:
        cache.set(
            key,
            [asdict(a) for a in answers],
            timeout=conf.INSTANT_ANSWER_CACHE_SECONDS,
        )
    return answers


@transaction.atomic
def _insert(
    *,
    draft: ReportDraft,
    channel: str,
    gateway: str,
    sender_hash: str,
    text: str,
    text_key: str,
    content_key: str,
    language: str,
    detected: bool,
    key: str | None,
    fingerprint: str,
    canonical: list[tuple[str, str]],
    stored: list[tuple[CleanFile, str]],
) -> Report:
    contact = _contact_token(draft)
    report = Report.objects.create(
        channel=channel,
        gateway=gateway,
        category=draft.category,
        gender_based=draft.gender_based,
        text=text,
        language=language,
        language_detected=detected,
        region=draft.region,
        seen_at=draft.seen_at,
        seen_where=draft.seen_where.strip(),
        contact_encrypted=contact,
        has_contact=bool(contact),
        consent_given=draft.consent,
        sender_hash=sender_hash,
        content_key=content_key,
        text_key=text_key,
        idempotency_key=key,
        request_hash=fingerprint,
    )
    if canonical:
        ReportUrl.objects.bulk_create(
            [
                ReportUrl(
                    report=report,
                    url=raw,
                    canonical=canon,
                    canonical_hash=_hash(canon),
                    platform=platform_of(canon),
                )
                for raw, canon in canonical
            ]
        )
    if stored:
        ReportAttachment.objects.bulk_create(
            [
                ReportAttachment(
                    report=report,
                    file=name,
                    kind=AttachmentKind.IMAGE if item.kind == "image" else AttachmentKind.PDF,
                    content_type=item.content_type,
                    size=len(item.content),
                    sha256=item.sha256,
                    width=item.width,
                    height=item.height,
                )
                for item, name in stored
            ]
        )
    audit_record(
        action="report.submit",
        obj=report,
        after={"channel": channel, "category": report.category, "code": report.code},
    )
    _enqueue_route(report.pk)
    return report


# --- The one-statement intake (PostgreSQL) -------------------------------------------------
#
# _insert takes five round trips to the database (BEGIN, report, audit event, routing task,
# COMMIT; six with links) after a sixth for the duplicate check, each costing CPU in Django's
# ORM, in the driver and in PostgreSQL. On PostgreSQL the same rows are written by ONE
# statement: data-modifying CTEs insert the report only if no recent duplicate exists, then
# its links, the audit event and the routing task from the report's new id. A statement in
# autocommit is its own transaction, so all of it commits together (or nothing does) before
# the code is acknowledged, exactly as with _insert. The rows' values come from the same model
# instances and field preparation as the ORM's, so both paths store identical rows (tests run
# _insert on SQLite; benchmarks/intake.py checks this path on PostgreSQL).


def _single_statement_possible() -> bool:
    from django.db import connection, router
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from sitroom.audit.models import AuditEvent
    from sitroom.reports.tasks import report_route

    return (
        connection.vendor == "postgresql"
        and isinstance(report_route.get_backend(), DatabaseBackend)
        and all(router.db_for_write(m) == "default" for m in (Report, AuditEvent, DBTaskResult))
    )


def _values(obj: Any, *, skip: tuple[str, ...] = ()) -> tuple[list[str], list[str], list[Any]]:
    """(quoted columns, placeholders, prepared values) of an unsaved instance, as Model.save
    would write them. A None is written as the literal NULL rather than a parameter: fewer
    parameters keep the statement under psycopg's limit for caching its parsed form."""
    from django.db import connection
    from django.db.models import signals

    signals.pre_save.send(
        sender=type(obj), instance=obj, raw=False, using="default", update_fields=None
    )
    quote = connection.ops.quote_name
    columns, marks, values = [], [], []
    for f in obj._meta.concrete_fields:
        if f.attname in skip or (f.primary_key and f.db_returning):
            continue
        columns.append(quote(f.column))
        value = f.get_db_prep_save(f.pre_save(obj, True), connection)
        if value is None:
            marks.append("NULL")
        else:
            marks.append("%s")
            values.append(value)
    return columns, marks, values


def _insert_single_statement(
    *,
    draft: ReportDraft,
    channel: str,
    gateway: str,
    sender_hash: str,
    text: str,
    text_key: str,
    content_key: str,
    language: str,
    detected: bool,
    key: str | None,
    fingerprint: str,
    canonical: list[tuple[str, str]],
    dedup: bool,
) -> Report | None:
    """Store the report, its links, audit event and routing task in one statement.

    Returns None (and stores nothing) when ``dedup`` and a recent duplicate exists.
    """
    from django.db import connection
    from django.db.models import signals
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult

    from sitroom.audit.context import current_actor
    from sitroom.audit.models import AuditEvent
    from sitroom.reports.tasks import report_route

    contact = _contact_token(draft)
    report = Report(
        channel=channel,
        gateway=gateway,
        category=draft.category,
        gender_based=draft.gender_based,
        text=text,
        language=language,
        language_detected=detected,
        region=draft.region,
        seen_at=draft.seen_at,
        seen_where=draft.seen_where.strip(),
        contact_encrypted=contact,
        has_contact=bool(contact),
        consent_given=draft.consent,
        sender_hash=sender_hash,
        content_key=content_key,
        text_key=text_key,
        idempotency_key=key,
        request_hash=fingerprint,
    )
    # As audit_record(action="report.submit", obj=report, after={...}) would write it.
    actor = current_actor()
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label or actor.channel or "system",
        organisation_id=None,
        action="report.submit",
        object_type=Report._meta.label_lower,
        object_id="",
        object_repr=str(report)[:200],
        before=None,
        after={"channel": channel, "category": report.category, "code": report.code},
        ip_hash=actor.ip_hash,
        channel=actor.channel,
    )
    # As DatabaseBackend.enqueue(report_route, report.pk) would write it.
    backend: Any = report_route.get_backend()  # a DatabaseBackend (_single_statement_possible)
    backend.validate_task(report_route)
    task: Any = DBTaskResult(
        id=backend._get_id(),
        args_kwargs={"args": [0], "kwargs": {}},
        priority=report_route.priority,
        task_path=report_route.module_path,
        queue_name=report_route.queue_name,
        run_after=report_route.run_after,  # type: ignore[misc]  # pre_save fills None
        backend_name=backend.alias,
    )
    quote = connection.ops.quote_name
    r_cols, r_marks, r_vals = _values(report)
    a_cols, a_marks, a_vals = _values(event, skip=("object_id",))
    t_cols, t_marks, t_vals = _values(task, skip=("args_kwargs",))
    params: list[Any] = list(r_vals)
    table = quote(Report._meta.db_table)
    where = ""
    if dedup:
        where = (
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE sender_hash = %s AND "  # noqa: S608
            "content_key = %s AND channel = %s AND created_at >= %s)"
        )
        params += [
            sender_hash,
            content_key,
            channel,
            timezone.now() - timedelta(minutes=conf.DEDUP_MINUTES),
        ]
    marks = ", ".join(r_marks)
    parts = [f"r AS (INSERT INTO {table} ({', '.join(r_cols)}) SELECT {marks}{where} RETURNING id)"]
    url_rows = [
        ReportUrl(
            url=raw, canonical=canon, canonical_hash=_hash(canon), platform=platform_of(canon)
        )
        for raw, canon in canonical
    ]
    if url_rows:
        u_cols: list[str] = []
        rows = []
        for row in url_rows:
            u_cols, u_marks, u_vals = _values(row, skip=("report_id",))
            rows.append("(" + ", ".join(u_marks) + ")")
            params += u_vals
        names = ", ".join(f"v{i}" for i in range(len(u_cols)))
        parts.append(
            f"u AS (INSERT INTO {quote(ReportUrl._meta.db_table)} "  # noqa: S608
            f"({quote('report_id')}, {', '.join(u_cols)}) SELECT r.id, {names} FROM r, "
            f"(VALUES {', '.join(rows)}) AS v({names}))"
        )
    parts.append(
        f"a AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({', '.join(a_cols)}, "  # noqa: S608
        f"{quote('object_id')}) SELECT {', '.join(a_marks)}, r.id::text FROM r)"
    )
    params += a_vals
    parts.append(
        f"t AS (INSERT INTO {quote(DBTaskResult._meta.db_table)} ({', '.join(t_cols)}, "  # noqa: S608
        f"{quote('args_kwargs')}) SELECT {', '.join(t_marks)}, "
        "jsonb_build_object('args', jsonb_build_array(r.id), 'kwargs', '{}'::jsonb) FROM r)"
    )
    params += t_vals
    # Names come from the models' meta, values are parameters.
    sql = "WITH " + ", ".join(parts) + " SELECT id FROM r"  # noqa: S608
    if connection.in_atomic_block:
        # Inside someone's transaction: a savepoint keeps a failure (code collision) local.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    report.pk = row[0]
    report._state.adding = False
    report._state.db = "default"
    event.object_id = str(report.pk)
    task.args_kwargs = normalize_json({"args": [report.pk], "kwargs": {}})
    for obj in (report, *url_rows, event, task):
        signals.post_save.send(
            sender=type(obj),
            instance=obj,
            created=True,
            update_fields=None,
            raw=False,
            using="default",
        )
    task_enqueued.send(type(backend), task_result=task.task_result)
    return report


def _enqueue_route(report_id: int) -> None:
    from django_tasks_db import DatabaseBackend

    from sitroom.reports.tasks import report_route

    backend = report_route.get_backend()
    if isinstance(backend, DatabaseBackend) and transaction.get_connection().in_atomic_block:
        # The database queue lives in this database: the task row commits with the report
        # (a transactional outbox), so a worker sees it exactly when on_commit would have
        # enqueued it, but the two can never be separated and one commit (fsync) is saved.
        report_route.enqueue(report_id)
    else:
        transaction.on_commit(lambda: report_route.enqueue(report_id))


def report_route(*, report_id: int) -> None:
    """Hand a report to case grouping (idempotent: a report already in a case is left alone)."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None or report.case_id is not None:
        return
    try:
        from sitroom.cases.services import case_attach_report
    except ImportError:
        logger.warning("cases app has no case_attach_report yet; report %s waits", report_id)
        return
    case_attach_report(report=report)


@transaction.atomic
def report_status_set(*, report: Report, status: str) -> Report:
    """Set the status the reporter sees on the tracking page (called by the cases app)."""
    if status not in ReportStatus.values:
        raise ValueError(f"unknown report status {status!r}")
    if report.status == status:
        return report
    before = report.status
    report.status = status
    report.updated_at = timezone.now()
    report.save(update_fields=["status", "updated_at"])
    audit_record(
        action="report.status", obj=report, before={"status": before}, after={"status": status}
    )
    return report


# --- Contact details ------------------------------------------------------------------------


def report_contact(report: Report) -> ReportContact:
    """The decrypted contact details. Internal: people reach them via report_contact_reveal."""
    if not report.contact_encrypted:
        return ReportContact()
    data = json.loads(decrypt_text(report.contact_encrypted))
    return ReportContact(
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        preferred=data.get("preferred", ""),
        address=data.get("address", ""),
    )


@transaction.atomic
def report_contact_reveal(
    *, user: AbstractBaseUser | AnonymousUser, report: Report
) -> ReportContact:
    """The contact details for a person allowed to see them (404 otherwise); audited."""
    from sitroom.reports.selectors import user_may_see_contact

    if not user_may_see_contact(user, report):
        raise Http404
    audit_record(action="report.contact_view", obj=report)
    return report_contact(report)


# --- Telling the reporter -------------------------------------------------------------------


def tracking_url(report: Report) -> str:
    return settings.SITE_URL + reverse("reports:track_detail", args=[report.code])


@transaction.atomic
def report_notify_reporter(*, report: Report, subject: str, message: str) -> list[str]:
    """Tell the reporter something (an outcome) by the channel they used or asked for.

    Email goes through the email task; a gateway reply is queued as an OutboundMessage and
    pushed (or pulled by the gateway). Returns the channels used ([] when the reporter left
    no way to reach them). Idempotence is the caller's: each call sends once more.
    """
    contact = report_contact(report)
    if contact.is_empty:
        return []
    used: list[str] = []
    wants_email = contact.preferred == PreferredChannel.EMAIL or (
        contact.email and not contact.address and contact.preferred in ("", "email")
    )
    if contact.email and wants_email:
        from sitroom.core.tasks import email_send

        to, body = contact.email, f"{message}\n\n{tracking_url(report)}\n"
        transaction.on_commit(lambda: email_send.enqueue(to=[to], subject=subject, body=body))
        used.append("email")
    elif contact.address and report.gateway:
        used.append(
            _queue_outbound(report, report.gateway, report.channel, contact.address, message)
        )
    elif contact.phone and _phone_gateway():
        gateway = _phone_gateway()
        channel = contact.preferred if contact.preferred in ("sms", "whatsapp") else "sms"
        used.append(_queue_outbound(report, gateway, channel, contact.phone, message))
    elif contact.email:
        from sitroom.core.tasks import email_send

        to, body = contact.email, f"{message}\n\n{tracking_url(report)}\n"
        transaction.on_commit(lambda: email_send.enqueue(to=[to], subject=subject, body=body))
        used.append("email")
    if used:
        audit_record(action="report.notify", obj=report, after={"channels": used})
    return used


def _phone_gateway() -> str:
    """The gateway for messages to reporters who gave a phone number on the web form."""
    return next((name for name, gw in conf.GATEWAYS.items() if gw.kind != "telegram"), "")


def _queue_outbound(report: Report, gateway: str, channel: str, address: str, body: str) -> str:
    message = OutboundMessage.objects.create(
        report=report,
        gateway=gateway,
        channel=channel if channel in Channel.values else Channel.OTHER,
        recipient_encrypted=encrypt_text(address),
        body=body,
    )
    message_id = message.pk

    def enqueue() -> None:
        from sitroom.reports.tasks import outbound_deliver

        outbound_deliver.enqueue(message_id)

    transaction.on_commit(enqueue)
    return channel


def outbound_deliver(*, message_id: int) -> None:
    """Push one pending message to its gateway if it has a push URL; else it waits for a pull."""
    from sitroom.reports.outbound import push

    message = OutboundMessage.objects.filter(pk=message_id, status=OutboundStatus.PENDING).first()
    if message is None:
        return
    gateway = conf.GATEWAYS.get(message.gateway)
    if gateway is None or not gateway.push_url:
        return
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1)
    push(gateway=gateway, message=message, recipient=decrypt_text(message.recipient_encrypted))
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundStatus.PENDING).update(
        status=OutboundStatus.SENT, sent_at=timezone.now()
    )


@transaction.atomic
def outbound_claim(*, gateway: str, limit: int = 50) -> list[dict[str, Any]]:
    """Hand up to ``limit`` pending messages to a gateway that pulls; they count as sent."""
    rows = list(
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(gateway=gateway, status=OutboundStatus.PENDING)
        .order_by("id")[:limit]
    )
    if not rows:
        return []
    OutboundMessage.objects.filter(pk__in=[m.pk for m in rows]).update(
        status=OutboundStatus.SENT, sent_at=timezone.now()
    )
    return [
        {
            "id": m.pk,
            "to": decrypt_text(m.recipient_encrypted),
            "channel": m.channel,
            "body": m.body,
        }
        for m in rows
    ]


def contact_reencrypt_all(*, batch: int = 500) -> tuple[int, int]:
    """Re-encrypt every stored contact under the current key (after a key rotation).

    Commits per batch, so it can be stopped and run again; rows already under the current
    key are simply encrypted again.
    """
    from sitroom.lib.crypto import rotate_text

    counts = []
    for model, column in ((Report, "contact_encrypted"), (OutboundMessage, "recipient_encrypted")):
        done = 0
        last = 0
        while True:
            rows = list(
                model.objects.filter(pk__gt=last)
                .exclude(**{column: ""})
                .order_by("pk")
                .values_list("pk", column)[:batch]
            )
            if not rows:
                break
            with transaction.atomic():
                for pk, token in rows:
                    model.objects.filter(pk=pk).update(**{column: rotate_text(token)})
            done += len(rows)
            last = rows[-1][0]
        counts.append(done)
    audit_record(
        action="report.contacts_reencrypt", after={"reports": counts[0], "messages": counts[1]}
    )
    return counts[0], counts[1]
