from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from sitroom.accounts.models import Organisation
from sitroom.factchecks.models import Rating
from sitroom.factchecks.selectors import active_ratings, users_mentionable

LANGUAGE_CHOICES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt", "Português"),
    ("sw", "Kiswahili"),
    ("ar", "العربية"),
]


class OrganisationChoiceMixin:
    """An ``organisation`` field limited to the user's newsrooms (hidden when there is one)."""

    def _set_organisations(self, organisations: list[Organisation]) -> None:
        field = self.fields["organisation"]  # type: ignore[attr-defined]
        field.choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            field.widget = forms.HiddenInput()
            field.initial = organisations[0].pk


class ClaimForm(OrganisationChoiceMixin, forms.Form):
    text = forms.CharField(label=_("Claim"), widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    claimant = forms.CharField(label=_("Who made the claim"), required=False, max_length=200)
    appeared_in = forms.CharField(
        label=_("Where it appeared"),
        required=False,
        max_length=200,
        help_text=_("e.g. a WhatsApp message, a rally speech"),
    )
    appearance_url = forms.URLField(
        label=_("Link to where it appeared"), required=False, assume_scheme="https"
    )
    appeared_at = forms.DateTimeField(
        label=_("When it appeared"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    organisation = forms.ChoiceField(label=_("Newsroom"))

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_organisations(organisations)


def parse_evidence(text: str) -> list[tuple[str, str]]:
    """One link a line, optionally followed by a space and a description."""
    links = []
    validate = URLValidator()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        url, _sep, title = line.partition(" ")
        try:
            validate(url)
        except ValidationError:
            raise ValidationError(
                _("Not a link: %(line)s (one link a line, then a description)"),
                params={"line": line[:80]},
            ) from None
        links.append((url, title.strip()))
    return links


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    rating = forms.ModelChoiceField(label=_("Rating"), queryset=Rating.objects.none())
    verdict = forms.CharField(
        label=_("Verdict in words"),
        required=False,
        max_length=200,
        help_text=_("Shown with the rating, e.g. 'False: the date has not changed'."),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(
        label=_("Article"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    evidence = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One link a line, optionally followed by a description."),
    )
    editor = forms.ModelChoiceField(
        label=_("Designated editor"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Besides your newsroom's administrators, this person may approve."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = active_ratings()  # type: ignore[attr-defined]
        self.fields["editor"].queryset = users_mentionable().order_by("username")  # type: ignore[attr-defined]

    def clean_evidence(self) -> list[tuple[str, str]]:
        return parse_evidence(self.cleaned_data.get("evidence", ""))


class NewArticleForm(OrganisationChoiceMixin, ArticleForm):
    organisation = forms.ChoiceField(label=_("Newsroom"))

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_organisations(organisations)


class TranslationForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    title = forms.CharField(label=_("Title"), max_length=300)
    claim_text = forms.CharField(
        label=_("Claim"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(
        label=_("Article"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mention someone with @username to notify them."),
    )


class ImportForm(OrganisationChoiceMixin, forms.Form):
    organisation = forms.ChoiceField(label=_("Newsroom"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("claimreview", _("ClaimReview JSON-LD (JSON or HTML pages)")),
            ("csv", _("CSV")),
            ("vclaims", _("CLEF vclaims (JSON lines)")),
        ],
    )
    file = forms.FileField(label=_("File"), required=False)
    markup = forms.CharField(
        label=_("…or paste JSON-LD or the HTML of a fact-check page"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    url = forms.URLField(
        label=_("…or a ClaimReview feed or page address to fetch"),
        required=False,
        assume_scheme="https",
    )
    default_rating = forms.ModelChoiceField(
        label=_("Rating for items that have none"),
        required=False,
        queryset=Rating.objects.none(),
    )

    MAX_BYTES = 20 * 1024 * 1024

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_organisations(organisations)
        self.fields["default_rating"].queryset = active_ratings()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sources = [bool(data.get("file")), bool(data.get("markup")), bool(data.get("url"))]
        if sum(sources) != 1:
            raise ValidationError(_("Give exactly one of: a file, pasted markup, or an address."))
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise ValidationError(_("The file is too large (20 MB at most)."))
            raw = upload.read()
            if b"\x00" in raw[:4096]:
                raise ValidationError(_("This is not a text file."))
            try:
                raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError(_("The file must be UTF-8 text.")) from None
            data["content"] = raw
        elif data.get("markup"):
            data["content"] = data["markup"].encode()
        if data.get("url") and data.get("format") != "claimreview":
            raise ValidationError(_("Only ClaimReview can be fetched from an address."))
        return data
