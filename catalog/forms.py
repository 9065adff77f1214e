"""GET filter forms for the public pages, and the admin forms with plain-word errors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from catalog import aliases
from catalog.models import (
    ComponentCategory,
    Entry,
    EntryType,
    FrameworkKind,
    PythonVersion,
    Status,
)
from core.text import CleanTextFormMixin
from wiki.naming import name_order

ANY = [("", "Any")]

FRAMEWORK_SORTS = {
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "first_release": "Oldest first",
    "-first_release": "Newest first",
    "-latest_release": "Latest release, newest first",
    "status": "Status",
    "kind": "Kind",
}
COMPONENT_SORTS = {
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "category": "Category",
    "status": "Status",
    "first_release": "Oldest first",
    "-first_release": "Newest first",
}


class FrameworkFilterForm(forms.Form):
    q = forms.CharField(label="Text", required=False, max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=ANY + FrameworkKind.choices, required=False)
    status = forms.ChoiceField(label="Status", choices=ANY + Status.choices, required=False)
    python = forms.ChoiceField(label="Python", required=False)
    supports = forms.ChoiceField(label="Supports engine", required=False)
    supports_level = forms.ChoiceField(
        label="How",
        required=False,
        choices=[("", "Yes or by default"), ("default", "By default only")],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("", "Best match (else name)"), *FRAMEWORK_SORTS.items()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["python"].choices = ANY + [
            (v, v) for v in PythonVersion.objects.values_list("name", flat=True)
        ]
        self.fields["supports"].choices = ANY + list(engines_queryset().values_list("slug", "name"))


class ComponentFilterForm(forms.Form):
    q = forms.CharField(label="Text", required=False, max_length=200)
    category = forms.ChoiceField(
        label="Category", choices=ANY + ComponentCategory.choices, required=False
    )
    status = forms.ChoiceField(label="Status", choices=ANY + Status.choices, required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=list(COMPONENT_SORTS.items()))


def engines_queryset():
    """Template engines: the template-engine category, and anything used as a matrix column."""
    return (
        Entry.objects.filter(
            Q(type=EntryType.COMPONENT, category=ComponentCategory.TEMPLATE_ENGINE)
            | Q(support_column__isnull=False)
        )
        .distinct()
        .order_by(name_order("name"))
    )


def cleaned(form: forms.Form) -> dict:
    """The valid fields of a GET form; invalid ones are dropped, not fatal."""
    form.is_valid()
    return {
        name: form.cleaned_data[name]
        for name in form.fields
        if name in form.cleaned_data and form.cleaned_data[name] not in ("", None)
    }


# ---------------------------------------------------------------- admin


class EntryAdminForm(CleanTextFormMixin, forms.ModelForm):
    """Checks the constraints that involve ``type`` (not on the form) and says why in words."""

    entry_type: str = ""
    aliases_text = forms.CharField(
        label="Other names",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One a line: former names, other spellings (e.g. Starlite for Litestar). "
        "Links, facts and /catalog/name/ addresses using them lead here.",
    )
    change_comment = forms.CharField(
        label="Why",
        required=False,
        max_length=300,
        help_text="What you changed and on what evidence: shown in the entry's history "
        "(for its cells and relations saved with it, too).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["aliases_text"].initial = "\n".join(
                self.instance.aliases.values_list("name", flat=True)
            )

    def clean_aliases_text(self) -> list[str]:
        names = aliases.parse_names(self.cleaned_data.get("aliases_text", ""))
        if "aliases_text" in self.changed_data:
            probe = Entry(
                pk=self.instance.pk,
                name=self.data.get("name", self.instance.name),
                slug=self.data.get("slug", self.instance.slug),
            )
            aliases.validate_for(probe, names)
        return names

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.entry_type:
            self.instance.type = self.entry_type
        # ModelForm skips constraints on fields it does not show (type); check those here.
        exclude = {f.name for f in Entry._meta.concrete_fields} - {"type", "kind", "category"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            for message in error.messages:
                target = (
                    "kind"
                    if "kind" in self.fields and self.entry_type == EntryType.FRAMEWORK
                    else "category"
                    if "category" in self.fields
                    else None
                )
                if target and target not in self.errors:
                    self.add_error(target, message)
                elif not target:
                    self.add_error(None, message)


class FrameworkAdminForm(EntryAdminForm):
    entry_type = EntryType.FRAMEWORK

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].required = True
            self.fields["kind"].error_messages["required"] = (
                "A framework needs a kind: full-stack, micro, glue, CMS or async."
            )


class ComponentAdminForm(EntryAdminForm):
    entry_type = EntryType.COMPONENT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "category" in self.fields:
            self.fields["category"].required = True
            self.fields["category"].error_messages["required"] = (
                "A component needs a category, e.g. template engine or WSGI server."
            )


class MatrixFilterForm(forms.Form):
    f = forms.MultipleChoiceField(label="Frameworks (rows)", required=False)
    e = forms.MultipleChoiceField(label="Template engines (columns)", required=False)
    kind = forms.ChoiceField(label="Kind", choices=ANY + FrameworkKind.choices, required=False)
    status = forms.ChoiceField(label="Status", choices=ANY + Status.choices, required=False)
    data = forms.BooleanField(label="Only rows with data", required=False)
    q = forms.CharField(label="Quick filter rows", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["f"].choices = list(
            Entry.objects.filter(Q(type=EntryType.FRAMEWORK) | Q(support_row__isnull=False))
            .distinct()
            .order_by(name_order("name"))
            .values_list("slug", "name")
        )
        self.fields["e"].choices = list(engines_queryset().values_list("slug", "name"))


class CompareForm(forms.Form):
    """The compare picker: a checkbox a framework (plain clicks; a filter box narrows the
    list when scripts run), rendered with the chosen ones ticked."""

    f = forms.MultipleChoiceField(
        label="Pick two to four frameworks",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["f"].choices = list(
            Entry.objects.filter(type=EntryType.FRAMEWORK)
            .order_by(name_order("name"))
            .values_list("slug", "name")
        )
