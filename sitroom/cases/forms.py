from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sitroom.cases import selectors
from sitroom.cases.models import AppellantKind, Authority, CaseStatus, Outcome
from sitroom.lib.values import STORABLE_YEARS


class QueueFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), ("all", _("All")), *list(CaseStatus.choices)],
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=selectors.AGE_CHOICES)
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("To me")), ("unassigned", _("Nobody yet"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facets = selectors.queue_facets()
        for name in ("category", "language", "region"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("All"))] + [(v, v) for v in facets[name]]

    def filters(self) -> selectors.QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.QueueFilters(**{k: data.get(k) or "" for k in self.fields})


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=selectors.review_members())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.review_members()


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("What is the conflict?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log; not published."),
    )


class _OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    authority = forms.ChoiceField(
        label=_("Authority (for a referral to an authority)"),
        required=False,
        choices=[("", "—"), *list(Authority.choices)],
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published on the register: refer to the criteria; name no reporter."),
    )
    public_summary = forms.CharField(
        label=_("Redacted summary of the content"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Published instead of the content: describe it without repeating the harmful "
            "text, names of private persons or contact details."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.AUTHORITY_REFERRAL and not data.get("authority"):
            self.add_error("authority", _("Name the authority the case is referred to."))
        return data


class AssessmentForm(_OutcomeForm):
    no_conflict = forms.BooleanField(
        label=_("I have no conflict of interest in this case."),
        help_text=_("If you have one, declare it instead: your seat is given to someone else."),
    )


class DecisionForm(_OutcomeForm):
    pass


class AppealForm(forms.Form):
    appellant = forms.ChoiceField(
        label=_("Who are you?"), choices=AppellantKind.choices, widget=forms.RadioSelect
    )
    tracking_code = forms.CharField(
        label=_("Your tracking code (if you reported it)"), required=False, max_length=20
    )
    statement = forms.CharField(
        label=_("Why should the decision change?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"),
        required=False,
        max_length=200,
        help_text=_("Email or phone number. Kept encrypted, never published."),
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("appellant") == AppellantKind.REPORTER and not data.get("tracking_code"):
            self.add_error("tracking_code", _("Give the tracking code of your report."))
        return data


# The register's dates become timezone-aware midnights (and the day after, for an end date):
# 9999-12-31 has no day after it, and a real decision is nowhere near either bound.
REGISTER_YEARS = STORABLE_YEARS


def _register_year(value: date) -> None:
    first, last = REGISTER_YEARS
    if not first <= value.year <= last:
        raise ValidationError(
            _("Give a date between the years %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": first, "last": last},
        )


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.ChoiceField(label=_("Category"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("All")), *list(Outcome.choices)]
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        validators=[_register_year],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        validators=[_register_year],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in selectors.register_filter_choices().items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("All")), *choices]

    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: [str(e) for e in errors] for name, errors in self.errors.items()}

    def filters(self) -> selectors.RegisterFilters:
        data = self.cleaned_data if self.is_valid() else {}

        def day(value: Any, *, end: bool) -> datetime | None:
            if not value:
                return None
            start = timezone.make_aware(datetime.combine(value, time.min))
            return start + timedelta(days=1) if end else start

        return selectors.RegisterFilters(
            q=data.get("q") or "",
            category=data.get("category") or "",
            outcome=data.get("outcome") or "",
            region=data.get("region") or "",
            date_from=day(data.get("date_from"), end=False),
            date_to=day(data.get("date_to"), end=True),
        )
