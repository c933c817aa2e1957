"""The case pages' forms: they only turn posted text into values; every rule is the
services' (their field errors come back through zhili.core.forms.add_domain_errors)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Category,
    Channel,
    Rating,
    Urgency,
)
from zhili.cases.selectors import OPEN, cases_for
from zhili.core import permissions
from zhili.core.images import ACCEPT_ATTRIBUTE
from zhili.core.permissions import Cap
from zhili.orgs.models import Department
from zhili.orgs.selectors import departments_serving
from zhili.places.models import Place, PlaceKind

# The kinds of place a reporter may pick when the phone cannot share its position.
PICKABLE_KINDS = (PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.COMPOUND)


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of photos from one input; the services check the count and each photo."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": ACCEPT_ATTRIBUTE, "capture": "environment"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


def places_to_report(actor):
    """Communities, grids and compounds within the places the actor reports for."""
    q = permissions.scope_q(actor, Cap.CASES_REPORT, "path")
    return Place.objects.filter(q, kind__in=PICKABLE_KINDS).order_by("path")


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, place):
        # Indented by depth so that a phone's select still reads as a tree.
        return "\u3000" * max(0, place.depth - 2) + place.name


def _question_field(question: dict) -> forms.Field:
    label = question.get("label") or question.get("code")
    kind = question.get("datatype", "string")
    choices = [(str(v.get("key")), v.get("name", v.get("key"))) for v in question.get("values", [])]
    if kind == "singlevaluelist":
        return forms.ChoiceField(
            label=label, choices=choices, required=False, widget=forms.RadioSelect
        )
    if kind == "multivaluelist":
        return forms.MultipleChoiceField(
            label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
        )
    if kind == "text":
        return forms.CharField(label=label, required=False, widget=forms.Textarea({"rows": 2}))
    if kind == "number":
        return forms.CharField(label=label, required=False, widget=forms.NumberInput)
    return forms.CharField(label=label, required=False, max_length=500)


class ReportForm(forms.Form):
    """The whistle on a phone. The category's extra questions are fields named
    `attr_<code>`, added for the category chosen (posted, or asked for by htmx)."""

    category = forms.ModelChoiceField(
        label=_("What kind of problem"), queryset=Category.objects.none(), empty_label="—"
    )
    description = forms.CharField(
        label=_("What is wrong"),
        widget=forms.Textarea({"rows": 4}),
        required=False,
        max_length=2000,
    )
    urgency = forms.ChoiceField(
        label=_("urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    place = PlaceChoiceField(
        label=_("Or choose the place"), queryset=Place.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=200)
    photos = PhotosField(label=_("Photos"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, actor, category: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("code")
        self.fields["place"].queryset = places_to_report(actor)
        if not self.is_bound:
            # One key per form shown: a double tap or a retried post files one case.
            self.initial["idempotency_key"] = uuid.uuid4().hex
        if category is None and self.is_bound:
            category = Category.objects.filter(
                pk=self.data.get("category") if str(self.data.get("category", "")).isdigit() else 0
            ).first()
        self.category = category
        for question in (category.attributes if category else None) or []:
            if question.get("code"):
                self.fields[f"attr_{question['code']}"] = _question_field(question)

    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith("attr_")]

    def answers(self) -> dict:
        return {
            name.removeprefix("attr_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("attr_")
        }

    def service_field(self, field: str) -> str:
        """A service error's field as this form names it."""
        if field.startswith("attributes."):
            return "attr_" + field.removeprefix("attributes.")
        return field


class QueueFilterForm(forms.Form):
    """The workbench's filters (GET); `values` gives them to selectors.case_list."""

    number = forms.CharField(label=_("case number"), max_length=20, required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[(OPEN, _("All open")), ("", _("All"))] + list(CaseStatus.choices),
    )
    category = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.all(), required=False, empty_label=_("All")
    )
    urgency = forms.ChoiceField(
        label=_("urgency"), required=False, choices=[("", _("All"))] + list(Urgency.choices)
    )
    channel = forms.ChoiceField(
        label=_("channel"), required=False, choices=[("", _("All"))] + list(Channel.choices)
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    place = PlaceChoiceField(
        label=_("place"), queryset=Place.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("code")
        self.fields["place"].queryset = permissions.scope_filter(
            Place.objects.filter(kind__in=(PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID)),
            actor,
            Cap.CASES_VIEW,
            "path",
        ).order_by("path")

    def values(self) -> dict:
        """The filters as case_list takes them; an invalid form filters as the default view.
        Sets `only_open`: whether every case listed is open already (the map then needs no
        filter of its own: a second status condition misleads PostgreSQL's estimates)."""
        values = self.cleaned_data if self.is_valid() else {}
        # No status in the address means the default view, the open cases; "" means all.
        status = values.get("status", OPEN) if "status" in self.data else OPEN
        number = values.get("number", "").strip()  # one case, whatever its status
        self.only_open = not number and (status == OPEN or status in OPEN_STATUSES)
        return {
            "number": number,
            "status": status,
            "category": values.get("category"),
            "urgency": values.get("urgency", ""),
            "channel": values.get("channel", ""),
            "overdue": values.get("overdue", False),
            "place": values.get("place"),
        }


# --- Acts on a case: each form carries the version of the case the page showed ----------------


class ActForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TaskActForm(ActForm):
    task = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(ActForm):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class DispatchForm(ActForm):
    lead = forms.ModelChoiceField(
        label=_("lead department"), queryset=Department.objects.none(), empty_label="—"
    )
    co_departments = forms.ModelMultipleChoiceField(
        label=_("co-departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, case, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        serving = departments_serving(case.place_path)
        self.fields["lead"].queryset = serving
        self.fields["co_departments"].queryset = serving
        if lead is not None and not self.is_bound:
            self.initial["lead"] = lead.pk


class ReassignForm(DispatchForm):
    """Reassign (改派) a case the departments have: a new lead and co-departments, why."""

    reason = forms.CharField(
        label=_("reason for reassigning"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        max_length=2000,
    )


class HoldForm(ReasonForm):
    review_on = forms.DateField(
        label=_("review date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class VerifyForm(ActForm):
    passed = forms.TypedChoiceField(
        label=_("result of the check"),
        choices=[("1", _("Passed")), ("0", _("Not passed: send back for rework"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class RateForm(ActForm):
    rating = forms.ChoiceField(label=_("rating"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("comment"), widget=forms.Textarea({"rows": 2}), required=False, max_length=1000
    )


class ReturnForm(TaskActForm):
    reason = forms.CharField(
        label=_("why it is not our remit"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        max_length=2000,
    )


class HandleForm(TaskActForm):
    result = forms.CharField(
        label=_("what was done"),
        widget=forms.Textarea({"rows": 3}),
        required=False,
        max_length=2000,
    )
    photos = PhotosField(label=_("Evidence photos"))


class NoteForm(ActForm):
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class ExtensionForm(TaskActForm):
    until = forms.DateTimeField(
        label=_("handle by (new time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class AnswerExtensionForm(ActForm):
    """The centre's answer on the order named by `task` (offers.answered_order)."""

    task = forms.IntegerField(widget=forms.HiddenInput, required=False)

    note = forms.CharField(
        label=_("note"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class RefuseExtensionForm(ReasonForm):
    task = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReworkForm(ActForm):
    note = forms.CharField(
        label=_("what is still wrong"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        max_length=2000,
    )


class ObjectForm(TaskActForm):
    """A department's objection to an order (派单异议), for the centre to review."""

    reason = forms.CharField(
        label=_("why the order is not ours"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        max_length=2000,
    )


class DecideObjectionForm(ActForm):
    """The centre's review of a department's objection, on the order named by `task`."""

    task = forms.IntegerField(widget=forms.HiddenInput, required=False)
    upheld = forms.TypedChoiceField(
        label=_("decision"),
        choices=[
            ("0", _("Keep the order: the department takes it")),
            ("1", _("Uphold the objection: take the order back")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea({"rows": 2}), required=False, max_length=2000
    )


class RecategoriseForm(NoteForm):
    category = forms.ModelChoiceField(
        label=_("new category"), queryset=Category.objects.filter(is_active=True), empty_label="—"
    )


class MergeForm(ActForm):
    """Merge into the case with this number (the suspected duplicate's, if one was noted)."""

    into_number = forms.CharField(label=_("number of the case to merge into"), max_length=20)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if case.possible_duplicate_of_id and not self.is_bound:
            self.initial["into_number"] = case.possible_duplicate_of.number

    def clean(self):
        values = super().clean()
        number = (values.get("into_number") or "").strip()
        if number:
            # Within what the actor sees: the service checks the centre's scope over both.
            into = cases_for(self.actor).filter(number=number).first() if self.actor else None
            if into is None:
                self.add_error("into_number", _("No case with this number in your area."))
            else:
                values["into"] = into
        return values


class AddPhotosForm(forms.Form):
    """Photos added to a case later. No version: photos do not depend on what the page
    showed, so a case that moved on meanwhile still takes them (a closed one refuses)."""

    photos = PhotosField(label=_("Photos"))
    task = forms.IntegerField(widget=forms.HiddenInput, required=False)


ACT_FORMS: dict[str, type[ActForm]] = {
    "accept": ActForm,
    "reject": ReasonForm,
    "dispatch": DispatchForm,
    "reassign": ReassignForm,
    "take": TaskActForm,
    "return": ReturnForm,
    "object": ObjectForm,
    "decide_objection": DecideObjectionForm,
    "handle": HandleForm,
    "verify": VerifyForm,
    "rework": ReworkForm,
    "close": ActForm,
    "rate": RateForm,
    "hold": HoldForm,
    "void": ReasonForm,
    "extension": ExtensionForm,
    "grant_extension": AnswerExtensionForm,
    "refuse_extension": RefuseExtensionForm,
    "recategorise": RecategoriseForm,
    "coordinate": NoteForm,
    "merge": MergeForm,
    "resume": NoteForm,
    "reopen": ReasonForm,
}


# --- Joint enforcement actions (联合执法) -----------------------------------------------------


class CaseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, case):
        status = case.get_status_display()
        return f"{case.number} {case.category.name} · {case.place.name} · {status}"


class DepartmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, department):
        return department.short_name or department.name


class JointActionForm(forms.Form):
    """A joint enforcement action on a phone. Every field may come empty: the service says
    what is missing, in its own words, and a bad form records nothing."""

    date = forms.DateField(
        label=_("Date of the action"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = PlaceChoiceField(
        label=_("Where"), queryset=Place.objects.none(), required=False, empty_label="—"
    )
    departments = DepartmentChoiceField(
        label=_("Departments that took part"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cases = CaseChoiceField(
        label=_("Cases it dealt with"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cases_solved = forms.IntegerField(
        label=_("Cases solved"),
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea({"rows": 3}), required=False, max_length=4000
    )

    def __init__(self, *args, places, departments, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        self.fields["departments"].queryset = departments
        self.fields["cases"].queryset = cases

    def clean_cases_solved(self):
        value = self.cleaned_data.get("cases_solved")
        return 0 if value is None else value
