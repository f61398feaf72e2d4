from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sitroom.lib.values import MAX_ID
from sitroom.monitoring import selectors
from sitroom.monitoring.connectors.tabular import FIELDS
from sitroom.monitoring.models import Escalation, LabelTask, SourceKind

FIELD_LABELS = {
    "text": _("Text column"),
    "id": _("Post id column"),
    "date": _("Date column"),
    "author": _("Author column"),
    "url": _("Link column"),
    "language": _("Language column"),
    "region": _("Region column"),
}


class LabelForm(forms.Form):
    task = forms.ChoiceField(label=_("Question"), choices=LabelTask.choices)
    value = forms.ChoiceField(label=_("Answer"), choices=[("yes", _("Yes")), ("no", _("No"))])


class EscalateForm(forms.Form):
    target = forms.ChoiceField(label=_("Escalate to"), choices=Escalation.Target.choices)
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NarrativeEditForm(forms.Form):
    title = forms.CharField(label=_("Name"), max_length=200, required=False)
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int, choices=[])

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["into"].choices = choices  # type: ignore[attr-defined]


class SplitForm(forms.Form):
    title = forms.CharField(label=_("Name of the new narrative"), max_length=200, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        help_text=_("CSV (any delimiter) or JSON lines, UTF-8, up to 10 MB."),
    )
    mapping = forms.TypedChoiceField(
        label=_("Saved column mapping"), coerce=int, required=False, empty_value=None, choices=[]
    )

    def __init__(self, *args: object, mappings: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["mapping"].choices = [("", _("— choose the columns next —")), *mappings]  # type: ignore[attr-defined]

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return f


class MappingForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    date_format = forms.CharField(
        label=_("Date format"),
        required=False,
        help_text=_("Leave empty for ISO 8601 or Unix time; else e.g. %d/%m/%Y %H:%M."),
    )
    save_as = forms.CharField(label=_("Save this mapping as"), required=False, max_length=120)

    def __init__(self, *args: object, columns: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", _("— none —"))] + [(c, c) for c in columns]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name == "text"
            )


def _words(value: str) -> list[str]:
    return [w.strip() for w in value.replace("\n", ",").split(",") if w.strip()]


class SourceForm(forms.Form):
    """One form for every kind of source; only the fields of the chosen kind are used."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices)
    region = forms.CharField(label=_("Region (optional)"), max_length=100, required=False)
    poll_minutes = forms.IntegerField(
        label=_("Poll every (minutes)"), min_value=1, max_value=24 * 60, initial=5
    )
    scope_all = forms.BooleanField(
        label=_("Analyse every post"),
        required=False,
        help_text=_(
            "Otherwise only election-relevant posts and posts with a lexicon hit get the "
            "classifiers, fact-check matching and narratives."
        ),
    )
    url = forms.URLField(
        label=_("Address"),
        required=False,
        assume_scheme="https",
        help_text=_("RSS / Atom: the feed. Telegram: the JSON export, if it is served."),
    )
    instance = forms.URLField(
        label=_("Mastodon server"), required=False, assume_scheme="https", initial=""
    )
    tag = forms.CharField(
        label=_("Mastodon hashtag (optional)"),
        required=False,
        max_length=100,
        help_text=_("Without #. Leave empty for the public timeline."),
    )
    query = forms.CharField(label=_("Bluesky search"), required=False, max_length=300)
    keywords = forms.CharField(
        label=_("Jetstream keywords"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separate with commas. Case and accents do not matter."),
    )
    watchlist = forms.BooleanField(
        label=_("Jetstream: keep posts matching the watchlist"), required=False
    )
    accounts = forms.CharField(
        label=_("Jetstream: accounts to follow (DIDs)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    languages = forms.CharField(
        label=_("Languages (optional)"),
        required=False,
        max_length=100,
        help_text=_("Language codes separated by commas, e.g. fr, sw."),
    )

    def config(self) -> dict[str, object]:
        data = self.cleaned_data
        kind = data["kind"]
        langs = [lang.lower() for lang in _words(data["languages"])]
        config: dict[str, object] = {}
        if kind in (SourceKind.RSS, SourceKind.TELEGRAM) and data["url"]:
            config["url"] = data["url"]
        elif kind == SourceKind.MASTODON:
            config["instance"] = data["instance"]
            if data["tag"]:
                config["tag"] = data["tag"].lstrip("#")
        elif kind == SourceKind.BLUESKY:
            config["query"] = data["query"].strip()
            if langs:
                config["lang"] = langs[0]
        elif kind == SourceKind.JETSTREAM:
            config.update(
                keywords=_words(data["keywords"]),
                watchlist=data["watchlist"],
                dids=_words(data["accounts"]),
                langs=langs,
            )
        if data["scope_all"]:
            config["scope"] = "all"
        return config


SIGNAL_CHOICES = [
    ("relevant", _("Election-relevant")),
    ("hate", _("Hate speech")),
    ("toxic", _("Toxic")),
    ("checkworthy", _("Check-worthy")),
    ("factchecked", _("Matches a fact-check")),
    ("duplicate", _("Reposts and near-duplicates")),
    ("original", _("Originals only")),
]


class StreamFilterForm(forms.Form):
    """The stream's filters, from the query string. A value that is not valid is reported,
    not silently dropped: a monitor must never take an unfiltered list for a filtered one."""

    q = forms.CharField(label=_("Text contains"), required=False, max_length=200)
    signal = forms.ChoiceField(
        label=_("Signal"), required=False, choices=[("", _("All processed posts")), *SIGNAL_CHOICES]
    )
    language = forms.CharField(label=_("Language"), required=False, max_length=12)
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    source = forms.IntegerField(label=_("Source"), required=False, min_value=1, max_value=MAX_ID)
    narrative = forms.IntegerField(
        label=_("Narrative"), required=False, min_value=1, max_value=MAX_ID
    )
    since = forms.IntegerField(label=_("Time"), required=False, min_value=1, max_value=24 * 366)

    def filters(self) -> selectors.StreamFilters:
        """The valid filters (call after ``is_valid``; an invalid field is left out)."""
        data = getattr(self, "cleaned_data", {})
        return selectors.StreamFilters(
            language=data.get("language") or "",
            region=data.get("region") or "",
            source=data.get("source"),
            signal=data.get("signal") or "",
            narrative=data.get("narrative"),
            since_hours=data.get("since"),
            q=data.get("q") or "",
        )
