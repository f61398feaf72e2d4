from __future__ import annotations

from typing import Any

from django import forms
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from sitroom.reports import conf
from sitroom.reports.models import Category, PreferredChannel
from sitroom.reports.services import ReportDraft, report_draft_errors

CONSENT_TEXT = _(
    "Your contact details are optional. If you give them, we use them only to tell you the "
    "outcome of your report or to ask you about it. They are stored encrypted, only the people "
    "reviewing your report can see them, and they are never published or shared."
)
ANONYMITY_TEXT = _(
    "You do not need an account and you can report anonymously. We do not keep your IP address."
)


# Report languages Django has no interface translation (so no LANG_INFO entry) for; same
# shape as LANG_INFO: the English name and the autonym.
MORE_LANG_INFO: dict[str, dict[str, str]] = {
    "am": {"name": "Amharic", "name_local": "አማርኛ"},
    "ha": {"name": "Hausa", "name_local": "Hausa"},
    "ln": {"name": "Lingala", "name_local": "Lingála"},
    "rw": {"name": "Kinyarwanda", "name_local": "Ikinyarwanda"},
    "so": {"name": "Somali", "name_local": "Soomaali"},
    "wo": {"name": "Wolof", "name_local": "Wolof"},
    "yo": {"name": "Yoruba", "name_local": "Èdè Yorùbá"},
    "zu": {"name": "Zulu", "name_local": "isiZulu"},
}


def language_choices() -> list[tuple[str, str]]:
    choices = [("", str(_("Detect automatically")))]
    for code in conf.REPORT_LANGUAGES:
        info = LANG_INFO.get(code) or MORE_LANG_INFO.get(code, {})
        choices.append((code, str(info.get("name_local", code))))
    return choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class ReportForm(forms.Form):
    urls = forms.CharField(
        label=_("Links to the content"),
        help_text=_("Copy the address of the post, video or page. One link per line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "url", "autocomplete": "off"}),
    )
    text = forms.CharField(
        label=_("What does it say?"),
        help_text=_("Paste or type the message, post or claim as you saw it."),
        required=False,
        max_length=conf.MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(
        label=_("Screenshots or documents"),
        help_text=_("Optional. Photos (JPEG, PNG, WebP, GIF) or PDF, up to %(mb)d MB each.")
        % {"mb": conf.MAX_FILE_BYTES // 1_048_576},
        required=False,
    )
    category = forms.ChoiceField(
        label=_("What kind of problem is it?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
    )
    gender_based = forms.BooleanField(
        label=_("It attacks someone because they are a woman or because of their gender"),
        required=False,
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    language = forms.ChoiceField(label=_("Language of the content"), required=False)
    seen_at = forms.DateTimeField(
        label=_("When did you see it?"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    seen_where = forms.CharField(
        label=_("Where did you see it?"),
        help_text=_("For example: a WhatsApp group, a Facebook page, a poster in the market."),
        required=False,
        max_length=200,
    )
    contact_email = forms.EmailField(label=_("Email"), required=False)
    contact_phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=PreferredChannel.choices,
        required=False,
    )
    consent = forms.BooleanField(
        label=_("I agree to this use of my contact details"), required=False
    )
    # A field people never see: only bots fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field: Any = self.fields["region"]
        region_field.choices = [("", _("Choose a region (optional)")), *conf.REGIONS]
        language_field: Any = self.fields["language"]
        language_field.choices = language_choices()
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}-help")

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        draft = self.draft()
        for name, messages in report_draft_errors(draft).items():
            for message in messages:
                self.add_error(None if name == "__all__" else name, message)
        return data

    def draft(self) -> ReportDraft:
        data: dict[str, Any] = self.cleaned_data
        return ReportDraft(
            category=data.get("category") or "",
            urls=(data.get("urls") or "").split(),
            text=data.get("text") or "",
            files=list(data.get("attachments") or []),
            gender_based=bool(data.get("gender_based")),
            language=data.get("language") or "",
            region=data.get("region") or "",
            seen_at=data.get("seen_at"),
            seen_where=data.get("seen_where") or "",
            contact_email=data.get("contact_email") or "",
            contact_phone=data.get("contact_phone") or "",
            preferred_channel=data.get("preferred_channel") or "",
            consent=bool(data.get("consent")),
        )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Your tracking code"),
        help_text=_("10 letters and digits, e.g. 7KQ2M-XD4TB. Upper or lower case both work."),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
