from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sitroom.monitoring.connectors.tabular import FIELDS
from sitroom.monitoring.models import Escalation, LabelTask

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
