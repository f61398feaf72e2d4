"""Parsing the body of ``POST /api/v1/reports`` without DRF, with DRF's error messages.

The intake is the hottest public endpoint, and a DRF serializer costs more CPU than the rest
of the request's Python put together (field deep-copies, validators, ReturnDict). This
hand-written parser accepts and refuses exactly what ``api.ReportCreateSerializer`` (which
still documents the endpoint in the OpenAPI schema) would, with the same messages and the
same error shapes (``{"field": [..]}``, ``{"urls": {"0": [..]}}``, ``{"contact": {..}}``);
tests/reports compare the two on a set of bad bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_datetime

from sitroom.core.fields import NOT_STRING
from sitroom.reports import conf
from sitroom.reports.models import Category, PreferredChannel
from sitroom.reports.services import ReportDraft

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_BOOL = "Must be a valid boolean."
NOT_FILE = "The submitted data was not a file. Check the encoding type on the form."
NOT_LIST = 'Expected a list of items but got type "{}".'
TOO_MANY = "Ensure this field has no more than {} elements."
NOT_DICT = "Invalid data. Expected a dictionary, but got {}."
TOO_LONG = "Ensure this field has no more than {} characters."
BAD_CHOICE = '"{}" is not a valid choice.'
BAD_EMAIL = "Enter a valid email address."
NUL_CHAR = "Null characters are not allowed."
SURROGATE = "Surrogate characters are not allowed: U+{:X}."
BAD_DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
TRUE = frozenset({"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"}) | frozenset(
    {"on", "On", "ON", "1"}
)
FALSE = frozenset({"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE"}) | frozenset(
    {"off", "Off", "OFF", "0"}
)
CATEGORIES = frozenset(Category.values)
PREFERRED = frozenset(v for v in PreferredChannel.values if v)
_email = EmailValidator()

Errors = dict[str, Any]


class _Missing:
    pass


MISSING: Any = _Missing()


def _text(value: Any, errors: Errors, name: str, *, max_length: int, trim: bool = True) -> str:
    """api.StringField(allow_blank=True): a string; null, numbers and other types refused."""
    if value is None:
        errors[name] = [NULL]
        return ""
    if not isinstance(value, str):
        errors[name] = [NOT_STRING]
        return ""
    text = value
    if trim:
        text = text.strip()
    problems = _string_problems(text, max_length)
    if problems:
        errors[name] = problems
    return text


def _string_problems(text: str, max_length: int) -> list[str]:
    """DRF CharField's validators, in its order: length, NUL characters, surrogates."""
    problems = []
    if len(text) > max_length:
        problems.append(TOO_LONG.format(max_length))
    if "\x00" in text:
        problems.append(NUL_CHAR)
    if not text.isascii():
        surrogate = next((ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)
        if surrogate is not None:
            problems.append(SURROGATE.format(ord(surrogate)))
    return problems


def _bool(value: Any, errors: Errors, name: str) -> bool:
    if value is None:
        errors[name] = [NULL]
        return False
    if value is True or value is False:
        return bool(value)
    if isinstance(value, str | int | float):
        if value in TRUE or (not isinstance(value, str) and value == 1):
            return True
        if value in FALSE or (not isinstance(value, str) and value == 0):
            return False
    errors[name] = [NOT_BOOL]
    return False


def _choice(value: Any, errors: Errors, name: str, choices: frozenset[str], *, blank: bool) -> str:
    if value is None:
        errors[name] = [NULL]
        return ""
    if value == "" and blank:
        return ""
    key = str(value)
    if isinstance(value, bool) or key not in choices:
        errors[name] = [BAD_CHOICE.format(value)]
        return ""
    return key


def _urls(value: Any, errors: Errors) -> list[str]:
    if value is None:
        errors["urls"] = [NULL]
        return []
    if isinstance(value, str | Mapping) or not hasattr(value, "__iter__"):
        errors["urls"] = [NOT_LIST.format(type(value).__name__)]
        return []
    if len(value) > conf.MAX_URLS:
        # Refused before looking at each: a million links must not cost a million checks.
        errors["urls"] = [TOO_MANY.format(conf.MAX_URLS)]
        return []
    out: list[str] = []
    item_errors: dict[str, list[str]] = {}
    for i, item in enumerate(value):
        if item is None:
            item_errors[str(i)] = [NULL]
        elif not isinstance(item, str):
            item_errors[str(i)] = [NOT_STRING]
        else:
            url = item.strip()
            problems = _string_problems(url, 2000) if url else [BLANK]
            if problems:
                item_errors[str(i)] = problems
            else:
                out.append(url)
    if item_errors:
        errors["urls"] = item_errors
    return out


def _seen_at(value: Any, errors: Errors) -> datetime | None:
    if value is None:
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None:
        errors["seen_at"] = [BAD_DATETIME]
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _contact(value: Any, errors: Errors) -> dict[str, str]:
    if value is None:
        errors["contact"] = [NULL]
        return {}
    if not isinstance(value, Mapping):
        errors["contact"] = {"non_field_errors": [NOT_DICT.format(type(value).__name__)]}
        return {}
    found: Errors = {}
    out: dict[str, str] = {}
    if "email" in value:
        email = _text(value["email"], found, "email", max_length=10**6)
        if email and "email" not in found:
            try:
                _email(email)
            except ValidationError:
                found["email"] = [BAD_EMAIL]
        out["email"] = email
    if "phone" in value:
        out["phone"] = _text(value["phone"], found, "phone", max_length=30)
    if "preferred_channel" in value:
        out["preferred_channel"] = _choice(
            value["preferred_channel"], found, "preferred_channel", PREFERRED, blank=True
        )
    if found:
        errors["contact"] = found
    return out


def parse_report(
    data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile] | None = None
) -> tuple[ReportDraft | None, Errors]:
    """(draft, {}) or (None, errors). ``files`` is given for multipart bodies (form input).

    JSON and form input differ as in DRF: a form sends lists as repeated keys, nested
    contact fields as ``contact.email``, booleans left out as false and an empty date as none.
    """
    errors: Errors = {}
    form = files is not None
    if not isinstance(data, Mapping):
        return None, {"non_field_errors": [NOT_DICT.format(type(data).__name__)]}
    if form:
        assert isinstance(data, MultiValueDict) and files is not None
        # As DRF's request.data: fields and files in one dict, so that a file sent for a text
        # field (or text for a file) is refused like any value of the wrong type.
        merged: MultiValueDict[str, Any] = MultiValueDict()
        merged.update(data)
        merged.update(files)
        data = merged

    def get(name: str) -> Any:
        return data.get(name, MISSING) if name in data else MISSING

    if form:
        assert isinstance(data, MultiValueDict)
        raw_urls: Any = data.getlist("urls") if "urls" in data else MISSING
        raw_files: Any = data.getlist("files") if "files" in data else MISSING
        contact_raw: Any = {
            key.removeprefix("contact."): data[key] for key in data if key.startswith("contact.")
        } or MISSING
    else:
        raw_urls = get("urls")
        raw_files = get("files")
        contact_raw = get("contact")

    urls = [] if raw_urls is MISSING else _urls(raw_urls, errors)
    value = get("text")
    text = (
        ""
        if value is MISSING
        else _text(value, errors, "text", max_length=conf.MAX_TEXT_CHARS, trim=False)
    )
    uploads: list[UploadedFile] = []
    if raw_files is not MISSING:
        if not form:
            if raw_files is None:
                errors["files"] = [NULL]
            elif isinstance(raw_files, str | Mapping) or not isinstance(raw_files, list):
                errors["files"] = [NOT_LIST.format(type(raw_files).__name__)]
            elif raw_files:
                errors["files"] = {str(i): [NOT_FILE] for i in range(len(raw_files))}
        else:
            uploads = [item for item in raw_files if isinstance(item, UploadedFile)]
            not_files = {
                str(i): [NOT_FILE]
                for i, item in enumerate(raw_files)
                if not isinstance(item, UploadedFile)
            }
            if not_files:
                errors["files"] = not_files
    value = get("category")
    if value is MISSING:
        errors["category"] = [REQUIRED]
        category = ""
    else:
        category = _choice(value, errors, "category", CATEGORIES, blank=False)
    value = get("gender_based")
    gender_based = False if value is MISSING else _bool(value, errors, "gender_based")
    value = get("language")
    language = "" if value is MISSING else _text(value, errors, "language", max_length=10**6)
    value = get("region")
    region = "" if value is MISSING else _text(value, errors, "region", max_length=10**6)
    value = get("seen_at")
    if form and value == "":
        value = None
    seen_at = None if value is MISSING else _seen_at(value, errors)
    value = get("seen_where")
    seen_where = "" if value is MISSING else _text(value, errors, "seen_where", max_length=200)
    contact = {} if contact_raw is MISSING else _contact(contact_raw, errors)
    value = get("consent")
    consent = False if value is MISSING else _bool(value, errors, "consent")
    if errors:
        return None, errors
    return (
        ReportDraft(
            category=category,
            urls=urls,
            text=text,
            files=uploads,
            gender_based=gender_based,
            language=language,
            region=region,
            seen_at=seen_at,
            seen_where=seen_where,
            contact_email=contact.get("email", ""),
            contact_phone=contact.get("phone", ""),
            preferred_channel=contact.get("preferred_channel", ""),
            consent=consent,
        ),
        {},
    )
