"""Catalog admin: frameworks and components as separate proxies, matrix cells inline.

The proxies set ``type`` themselves; constraint failures come back as plain sentences on
the field they concern (catalog.forms.EntryAdminForm), never as a database error. Every
save and delete goes through catalog/services.py; an entry's description is rendered
before the admin opens its transaction.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import Q

from catalog import aliases, refresh, services
from catalog.forms import ComponentAdminForm, FrameworkAdminForm
from catalog.models import (
    Capability,
    CapabilityGroup,
    Component,
    ComponentCategory,
    Entry,
    FactProposal,
    Framework,
    PythonVersion,
    Relation,
    Revision,
    Source,
    Support,
)
from core.text import CleanTextModelForm
from wiki.models import Page

# Bare hostnames typed into URL fields become https:// (and Django 6's default, today).
URL_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class KeepsBinnedPages:
    """A cell's evidence page or a source's page may be in the wiki's recycle bin: the form
    keeps accepting it (choices offered stay the live pages, through the autocomplete),
    so that editing anything else does not fail on it."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Page:
            kwargs.setdefault("queryset", Page.everything.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SupportInline(KeepsBinnedPages, admin.TabularInline):
    form = CleanTextModelForm
    model = Support
    formfield_overrides = URL_HTTPS
    fk_name = "framework"
    extra = 0
    autocomplete_fields = ["capability", "engine", "superseded_by", "evidence_page"]
    fields = [
        "capability",
        "engine",
        "level",
        "uncertain",
        "undefined_in_source",
        "superseded_by",
        "raw_value",
        "evidence_page",
        "evidence_url",
        "source",
        "last_verified",
        "notes",
    ]
    verbose_name = "grid cell"
    verbose_name_plural = (
        "grid cells (capabilities; a template engine's cell may name just the engine)"
    )


class EngineColumnInline(SupportInline):
    fk_name = "engine"
    fields = ["framework", *SupportInline.fields[2:]]
    autocomplete_fields = ["framework", "superseded_by", "evidence_page"]
    verbose_name = "framework support"
    verbose_name_plural = "framework support (matrix column)"


class RelationInline(admin.TabularInline):
    form = CleanTextModelForm
    model = Relation
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["target"]
    fields = ["type", "target", "note", "source_doc"]
    verbose_name = "relation from this entry"
    verbose_name_plural = "relations (this entry → other)"


class IncomingRelationInline(RelationInline):
    fk_name = "target"
    autocomplete_fields = ["source"]
    fields = ["source", "type", "note", "source_doc"]
    verbose_name = "relation to this entry"
    verbose_name_plural = "relations (other → this entry)"


ENTRY_FIELDSETS_COMMON = [
    (
        "Dates and versions",
        {
            "fields": [
                ("first_release", "end_year"),
                ("latest_version", "latest_release"),
                "python_versions",
                "python_note",
            ]
        },
    ),
    ("Size and use", {"fields": [("sloc", "size_note"), "used_by"]}),
    ("Links", {"fields": ["homepage", "repository", "licence", "pages", "sources"]}),
    ("Text", {"fields": ["summary", "description", "notes"]}),
]


WHY = ("History", {"fields": ["change_comment"]})

# How each model is written: (save service, delete service, the services' argument name).
SERVICES = {
    Entry: (services.entry_save, services.entry_delete, "entry"),
    Support: (services.support_save, services.support_delete, "support"),
    Relation: (services.relation_save, services.relation_delete, "relation"),
    Source: (services.source_save, services.source_delete, "source"),
}


# The models whose changes are kept in the catalog's history (catalog/history.py).
WITH_HISTORY = {Entry, Support, Relation}


def _who(request, obj) -> dict:
    """Who changed it and why, for the history: the editor, and the form's “why” box."""
    if obj._meta.concrete_model not in WITH_HISTORY:
        return {}
    why = request.POST.get("change_comment", "") if request.method == "POST" else ""
    return {"actor": request.user, "via": "admin", "comment": why.strip()[:300]}


def _save(request, obj) -> None:
    save, _, name = SERVICES[obj._meta.concrete_model]
    save(**{name: obj, "validate": False}, **_who(request, obj))  # the form validated it


def _delete(request, obj) -> None:
    _, delete, name = SERVICES[obj._meta.concrete_model]
    delete(**{name: obj}, **_who(request, obj))


class ServiceSaves:
    """Rows, and inline rows, saved and deleted through catalog/services.py."""

    def save_model(self, request, obj, form, change: bool) -> None:
        _save(request, obj)

    def delete_model(self, request, obj) -> None:
        _delete(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            _delete(request, obj)

    def save_formset(self, request, form, formset, change) -> None:
        for obj in formset.save(commit=False):
            _save(request, obj)
        for obj in formset.deleted_objects:
            _delete(request, obj)


class EntryAdmin(ServiceSaves, admin.ModelAdmin):
    list_display = ["name", "slug", "status", "first_release", "end_year", "updated"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = URL_HTTPS
    filter_horizontal = ["python_versions", "pages", "sources"]
    list_per_page = 100
    save_on_top = True

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            # Rendered here, before the admin's transaction: never under the write lock.
            text = request.POST.get("description", "").replace("\r\n", "\n")
            request._catalog_description = (text, services.render_description(text))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: Entry, form, change: bool) -> None:
        text, rendered = getattr(request, "_catalog_description", (None, None))
        if text != obj.description:
            rendered = services.render_description(obj.description)
        services.entry_save(entry=obj, rendered=rendered, validate=False, **_who(request, obj))
        if "aliases_text" in form.changed_data:
            aliases.set_entry_aliases(entry=obj, names=form.cleaned_data["aliases_text"])


@admin.register(Framework)
class FrameworkAdmin(EntryAdmin):
    form = FrameworkAdminForm
    list_display = ["name", "kind", *EntryAdmin.list_display[1:]]
    list_filter = ["kind", "status"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "aliases_text", "kind", ("status", "status_note")]}),
        *ENTRY_FIELDSETS_COMMON,
        WHY,
    ]
    inlines = [SupportInline, RelationInline, IncomingRelationInline]


@admin.register(Component)
class ComponentAdmin(EntryAdmin):
    form = ComponentAdminForm
    list_display = ["name", "category", *EntryAdmin.list_display[1:]]
    list_filter = ["category", "status"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "aliases_text", "category", ("status", "status_note")]}),
        *ENTRY_FIELDSETS_COMMON,
        WHY,
    ]
    inlines = [RelationInline, IncomingRelationInline]

    def get_inlines(self, request, obj):
        if obj is not None and (
            obj.category == ComponentCategory.TEMPLATE_ENGINE or obj.support_column.exists()
        ):
            return [EngineColumnInline, *self.inlines]
        return self.inlines


@admin.register(Source)
class SourceAdmin(KeepsBinnedPages, ServiceSaves, admin.ModelAdmin):
    form = CleanTextModelForm
    list_display = ["key", "title", "url", "page", "retrieved"]
    search_fields = ["key", "title", "url"]
    autocomplete_fields = ["page"]
    formfield_overrides = URL_HTTPS
    prepopulated_fields = {"key": ["title"]}


@admin.register(PythonVersion)
class PythonVersionAdmin(admin.ModelAdmin):
    form = CleanTextModelForm
    list_display = ["name", "major", "minor"]
    search_fields = ["name"]

    def save_model(self, request, obj: PythonVersion, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.catalog_changed(entries=obj.entries.values_list("pk", flat=True))

    def delete_model(self, request, obj: PythonVersion) -> None:
        entries = list(obj.entries.values_list("pk", flat=True))
        super().delete_model(request, obj)
        services.catalog_changed(entries=entries)

    def delete_queryset(self, request, queryset) -> None:
        for version in queryset:
            self.delete_model(request, version)


@admin.register(Support)
class SupportAdmin(KeepsBinnedPages, ServiceSaves, admin.ModelAdmin):
    form = CleanTextModelForm
    """All cells in one list: the matrix editor's view, filterable by level and flags."""

    list_display = ["framework", "capability", "level", "uncertain", "raw_value", "last_verified"]
    list_filter = ["capability__group", "level", "uncertain", "undefined_in_source"]
    search_fields = ["framework__name", "capability__name", "engine__name", "raw_value", "notes"]
    autocomplete_fields = ["framework", "capability", "engine", "superseded_by", "evidence_page"]
    list_select_related = ["framework", "capability"]
    formfield_overrides = URL_HTTPS


@admin.register(Entry)
class AllEntriesAdmin(EntryAdmin):
    """Backs the autocomplete widgets (engines, successors); hidden from the admin index."""

    list_display = ["name", "type", "kind", "category", "status"]
    list_filter = ["type"]

    def get_model_perms(self, request):
        return {}


def _showing(cells: Q) -> set[int]:
    """The entries whose pages show these cells' capability names (frameworks, engines)."""
    ids = set()
    for framework, engine in Support.objects.filter(cells).values_list("framework", "engine"):
        ids.update(x for x in (framework, engine) if x)
    return ids


class CapabilityInline(admin.TabularInline):
    model = Capability
    extra = 0
    fields = ["name", "slug", "definition", "order", "engine"]
    autocomplete_fields = ["engine"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CapabilityGroup)
class CapabilityGroupAdmin(admin.ModelAdmin):
    form = CleanTextModelForm
    list_display = ["name", "slug", "order", "description"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CapabilityInline]

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.catalog_changed(entries=_showing(Q(capability__group=obj)))

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        services.catalog_changed(entries=_showing(Q(capability__group=form.instance)))


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    """Backs the cells' capability autocomplete; capabilities are edited in their group."""

    form = CleanTextModelForm
    list_display = ["name", "group", "slug", "engine"]
    list_filter = ["group"]
    search_fields = ["name", "slug", "definition"]
    autocomplete_fields = ["engine"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.catalog_changed(entries=_showing(Q(capability=obj)))


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are written by the services; reverting is on the site."""

    list_display = ["created", "entry_name", "object_type", "object_key", "action", "user", "via"]
    list_filter = ["object_type", "action", "via"]
    search_fields = ["entry_name", "object_key", "comment"]
    date_hierarchy = "created"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def view_on_site(self, obj):
        return obj.get_absolute_url()


@admin.register(FactProposal)
class FactProposalAdmin(admin.ModelAdmin):
    """What refresh_facts proposed: read-only here; accepted or rejected by the actions
    (catalog/refresh.py), as on the upkeep page."""

    list_display = ["entry", "field", "current", "proposed", "status", "observed", "decided_by"]
    list_filter = ["status", "field"]
    search_fields = ["entry__name", "entry__slug", "field"]
    list_select_related = ["entry", "decided_by"]
    date_hierarchy = "observed"
    actions = ["accept_proposals", "reject_proposals"]

    def has_add_permission(self, request) -> bool:
        return False  # refresh_facts makes them

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decided by the actions, never edited

    def has_decide_permission(self, request) -> bool:
        return refresh.can_decide(request.user)

    def _decide(self, request, queryset, decide, done: str) -> None:
        count = 0
        for proposal in queryset.select_related("entry"):
            try:
                decide(proposal, user=request.user)
            except refresh.ProposalError as error:
                self.message_user(request, f"{proposal.entry}: {error}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"{done} {count} proposal(s).", messages.SUCCESS)

    @admin.action(description="Accept: apply to the entries", permissions=["decide"])
    def accept_proposals(self, request, queryset) -> None:
        self._decide(request, queryset, refresh.accept_proposal, "Accepted")

    @admin.action(
        description="Reject: keep the entries, never propose again", permissions=["decide"]
    )
    def reject_proposals(self, request, queryset) -> None:
        self._decide(request, queryset, refresh.reject_proposal, "Rejected")
