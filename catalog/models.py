"""The catalog: typed entries for frameworks and components, their relations, and the
framework × capability support grid (template engines are one group of capabilities).

One table, Entry, holds frameworks and components alike (CherryPy is both a framework and
a WSGI server; relations cross the two freely); Framework and Component are proxies with
their own managers and admin. Choices are enforced by database constraints.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import Versioned


def web_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL, else "": the only URLs that become links.

    URLField validates forms, but loaddata, the CSV import and raw SQL skip validation, so a
    stored "javascript:…" must still never reach an href.
    """
    url = (url or "").strip()
    if re.match(r"https?://[^\s/?#]", url, flags=re.IGNORECASE) and not re.search(
        r"[\x00-\x1f\x7f\s<>\"'`]", url
    ):
        return url
    return ""


class NaturalKeyManager(models.Manager):
    """get_by_natural_key on one unique field, named by the model's natural_key_field."""

    def get_by_natural_key(self, value: str):
        return self.get(**{self.model.natural_key_field: value})


class Source(models.Model):
    """Where a fact comes from: a seed document (with its wiki page) or another reference."""

    key = models.SlugField(max_length=64, unique=True)  # e.g. "seed-002"
    title = models.CharField(max_length=300)
    url = models.URLField(blank=True)
    page = models.ForeignKey(
        "wiki.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retrieved = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    natural_key_field = "key"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.page.get_absolute_url() if self.page else web_url(self.url)

    def natural_key(self) -> tuple[str]:
        return (self.key,)


class PythonVersion(models.Model):
    """A Python version an entry supports: "2.7", "3.12"; sortable by (major, minor)."""

    name = models.CharField(max_length=8, unique=True)
    major = models.PositiveSmallIntegerField()
    minor = models.PositiveSmallIntegerField()

    natural_key_field = "name"
    objects = NaturalKeyManager()

    class Meta:
        ordering = ["major", "minor"]
        constraints = [
            models.UniqueConstraint(fields=["major", "minor"], name="catalog_pyversion_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:framework-list") + f"?python={self.name}"

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class EntryType(models.TextChoices):
    FRAMEWORK = "framework", "Framework"
    COMPONENT = "component", "Component"


class FrameworkKind(models.TextChoices):
    FULL_STACK = "full-stack", "Full-stack"
    MICRO = "micro", "Micro"
    GLUE = "glue", "Basic / glue"
    CMS = "cms", "CMS"
    ASYNC = "async", "Async"


class ComponentCategory(models.TextChoices):
    TEMPLATE_ENGINE = "template-engine", "Template engine"
    WSGI_SERVER = "wsgi-server", "Python application server (WSGI / ASGI)"
    WEB_SERVER = "web-server", "Web server"
    ORM = "orm", "ORM"
    DATABASE_LIBRARY = "database-library", "Database library"
    SESSION = "session", "Session management"
    WSGI_LIBRARY = "wsgi-library", "WSGI library / toolkit"
    INVOCATION = "invocation", "Invocation method"
    CMS = "cms", "CMS"
    FORMS = "forms", "Forms / widgets"
    JAVASCRIPT = "javascript", "JavaScript / AJAX toolkit"
    NON_PYTHON = "non-python", "Non-Python project"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    MAINTENANCE = "maintenance", "Maintenance"
    INACTIVE = "inactive", "Inactive"
    DISCONTINUED = "discontinued", "Discontinued"
    UNKNOWN = "unknown", "Unknown"


# What each status word means, shown wherever a status is (pages, legends, the API).
STATUS_MEANINGS = {
    Status.ACTIVE: "Releases with new features within the last two years.",
    Status.MAINTENANCE: "Still released, but only fixes and security updates: no new features.",
    Status.INACTIVE: "No release for two years or more, and not declared finished.",
    Status.DISCONTINUED: "Declared finished by its authors, or replaced by a successor.",
    Status.UNKNOWN: "Not known: the sources say nothing current about it.",
}


class EntryManager(models.Manager):
    def get_by_natural_key(self, slug: str) -> Entry:
        return self.get(slug=slug)


class Entry(Versioned):
    type = models.CharField(max_length=16, choices=EntryType.choices)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(
        max_length=16, choices=FrameworkKind.choices, blank=True, help_text="Frameworks only."
    )
    category = models.CharField(
        max_length=24, choices=ComponentCategory.choices, blank=True, help_text="Components only."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    status_note = models.CharField(
        max_length=300, blank=True, help_text="The date or source that says so."
    )
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Markdown; wiki links work.")
    description_html = models.TextField(blank=True, editable=False)
    homepage = models.URLField(blank=True)
    repository = models.URLField(blank=True)
    licence = models.CharField(max_length=100, blank=True)
    first_release = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year of the first public release."
    )
    latest_version = models.CharField(max_length=40, blank=True)
    latest_release = models.DateField(null=True, blank=True, help_text="Date of latest_version.")
    end_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year of the last release or discontinuation."
    )
    python_versions = models.ManyToManyField(PythonVersion, blank=True, related_name="entries")
    python_note = models.CharField(max_length=200, blank=True, help_text="As the source says it.")
    package = models.CharField(
        max_length=100,
        blank=True,
        help_text="Its name on the package index, for refresh_facts (blank: not a package).",
    )
    sloc = models.PositiveIntegerField(null=True, blank=True, help_text="Source lines of code.")
    size_note = models.CharField(max_length=200, blank=True)
    used_by = models.TextField(
        blank=True, help_text="Sites or companies said to use it, one a line."
    )
    notes = models.TextField(blank=True, help_text="Editorial notes, e.g. how it was identified.")
    sources = models.ManyToManyField(Source, blank=True, related_name="entries")
    pages = models.ManyToManyField(
        "wiki.Page", blank=True, related_name="catalog_entries", help_text="Wiki pages about it."
    )
    updated = models.DateTimeField(auto_now=True)
    # (version, from Versioned: bumped by every change to what the entry's page shows.)

    objects = EntryManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=EntryType.values), name="catalog_entry_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="catalog_entry_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(type=EntryType.FRAMEWORK) & Q(kind__in=FrameworkKind.values))
                | (Q(type=EntryType.COMPONENT) & Q(kind="")),
                name="catalog_entry_kind_for_frameworks",
                violation_error_message="A framework needs a kind; a component has none.",
            ),
            models.CheckConstraint(
                condition=(Q(type=EntryType.COMPONENT) & Q(category__in=ComponentCategory.values))
                | (Q(type=EntryType.FRAMEWORK) & Q(category="")),
                name="catalog_entry_category_for_components",
                violation_error_message="A component needs a category; a framework has none.",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(first_release__isnull=True)
                | Q(end_year__gte=models.F("first_release")),
                name="catalog_entry_years_ordered",
                violation_error_message="The end year cannot be before the first release.",
            ),
        ]
        indexes = [
            models.Index(fields=["type", "kind"], name="catalog_entry_type_kind"),
            models.Index(fields=["type", "category"], name="catalog_entry_type_category"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_history_url(self) -> str:
        name = "framework-history" if self.type == EntryType.FRAMEWORK else "component-history"
        return reverse(f"catalog:{name}", kwargs={"slug": self.slug})

    def get_feed_url(self) -> str:
        name = "entry-feed" if self.type == EntryType.FRAMEWORK else "component-feed"
        return reverse(f"catalog:{name}", kwargs={"slug": self.slug})

    @property
    def status_meaning(self) -> str:
        return STATUS_MEANINGS.get(self.status, "")

    def get_absolute_url(self) -> str:
        if self.type == EntryType.FRAMEWORK:
            return reverse("catalog:framework-detail", kwargs={"slug": self.slug})
        return reverse("catalog:component-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def is_framework(self) -> bool:
        return self.type == EntryType.FRAMEWORK


class EntryAlias(models.Model):
    """Another name of an entry ("Starlite" for Litestar): ``[[framework:starlite]]``
    links to the entry, ``/catalog/starlite/`` answers 301 to it. Keys never clash with
    another entry's name, slug or alias (catalog/aliases.py checks)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=100)
    # The name as links write it: whitespace collapsed, case-folded (catalog.links.normalize).
    key = models.CharField(max_length=100, unique=True, editable=False)
    slug = models.SlugField(max_length=100, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "other name"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.entry.get_absolute_url()


class DescriptionLink(models.Model):
    """A link target an entry's description names (``page``, ``framework``, ``component``
    and a key, as wiki.PageLink stores them): when one appears, moves or goes away, the
    description is rendered again (catalog/relink.py)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="description_targets")
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=220)

    class Meta:
        ordering = ["entry", "kind", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "kind", "key"], name="catalog_descriptionlink_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "key"], name="catalog_desclink_target")]

    def __str__(self) -> str:
        return f"{self.entry} → {self.kind}:{self.key}"

    def get_absolute_url(self) -> str:
        return self.entry.get_absolute_url()


class FrameworkManager(EntryManager):
    def get_queryset(self):
        return super().get_queryset().filter(type=EntryType.FRAMEWORK)


class ComponentManager(EntryManager):
    def get_queryset(self):
        return super().get_queryset().filter(type=EntryType.COMPONENT)


class Framework(Entry):
    objects = FrameworkManager()

    class Meta:
        proxy = True
        ordering = ["name"]

    def save(self, *args, **kwargs) -> None:
        self.type = EntryType.FRAMEWORK
        super().save(*args, **kwargs)


class Component(Entry):
    objects = ComponentManager()

    class Meta:
        proxy = True
        ordering = ["name"]

    def save(self, *args, **kwargs) -> None:
        self.type = EntryType.COMPONENT
        super().save(*args, **kwargs)


class RelationType(models.TextChoices):
    BUILT_ON = "built-on", "is built on"
    REQUIRES = "requires", "requires"
    USES = "uses", "uses by default"
    INSPIRED_BY = "inspired-by", "is inspired by"
    SUCCESSOR_OF = "successor-of", "is the successor of"
    FORK_OF = "fork-of", "is a fork of"
    PART_OF = "part-of", "is part of"
    IMPLEMENTS = "implements", "implements"


class Relation(models.Model):
    """source —type→ target, e.g. Flask built-on Werkzeug; Pyramid successor-of repoze.bfg."""

    source = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="relations_out")
    type = models.CharField(max_length=16, choices=RelationType.choices)
    target = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="relations_in")
    note = models.CharField(max_length=300, blank=True)
    source_doc = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["source", "type", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "type", "target"], name="catalog_relation_unique"
            ),
            models.CheckConstraint(
                condition=Q(type__in=RelationType.values), name="catalog_relation_type_valid"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="catalog_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_type_display()} {self.target}"

    def get_absolute_url(self) -> str:
        return self.source.get_absolute_url()


class CapabilityGroup(models.Model):
    """A group of the grid's rows: Interface, Concurrency, Batteries, APIs, Developer,
    Templates. Each has a page listing its capabilities for every framework."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True, help_text="One sentence.")
    order = models.PositiveSmallIntegerField(default=0)

    objects = NaturalKeyManager()
    natural_key_field = "slug"

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:grid-group", kwargs={"group": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


TEMPLATES_GROUP = "templates"


class CapabilityManager(NaturalKeyManager):
    def for_engine(self, engine: Entry) -> Capability:
        """The Templates capability standing for a template engine, made on first use."""
        found = self.filter(engine=engine).first()
        if found is not None:
            return found
        group, _ = CapabilityGroup.objects.get_or_create(
            slug=TEMPLATES_GROUP,
            defaults={"name": "Templates", "order": 90},
        )
        slug = engine.slug
        if self.filter(slug=slug).exists():
            slug = f"template-{engine.slug}"[:60]
        return self.create(
            group=group,
            slug=slug,
            name=engine.name,
            definition=f"Renders pages with the {engine.name} template engine.",
            engine=engine,
            order=1000,
        )


class Capability(models.Model):
    """One row of the grid, e.g. "ASGI" or "OpenAPI generation", defined in one sentence.
    A Templates capability stands for a template engine (``engine``): its slug is the
    engine's, so /catalog/matrix/<framework>/<engine>/ names the same cell as before."""

    group = models.ForeignKey(
        CapabilityGroup, on_delete=models.PROTECT, related_name="capabilities"
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    definition = models.CharField(max_length=300, help_text="One sentence a reader understands.")
    order = models.PositiveSmallIntegerField(default=0)
    engine = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="capability",
        help_text="Templates group: the template engine this row stands for.",
    )

    objects = CapabilityManager()
    natural_key_field = "slug"

    class Meta:
        ordering = ["group__order", "order", "name"]
        verbose_name_plural = "capabilities"
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="catalog_capability_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:capability", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    natural_key.dependencies = ["catalog.capabilitygroup", "catalog.entry"]


class Level(models.TextChoices):
    DEFAULT = "DEFAULT", "Default"
    YES = "YES", "Yes"
    NO = "NO", "No"
    UNCLEAR = "UNCLEAR", "Unclear"
    OBSOLETED = "OBSOLETED", "Obsoleted by"
    PLANNED = "PLANNED", "Planned"
    UNKNOWN = "UNKNOWN", "Unknown"


class SupportQuerySet(models.QuerySet):
    def templates(self) -> SupportQuerySet:
        """The template-engine cells (Travis's matrix and its successors)."""
        return self.filter(engine__isnull=False)

    def needing_upkeep(self, *, stale_before=None) -> SupportQuerySet:
        q = (
            Q(level__in=[Level.UNKNOWN, Level.UNCLEAR])
            | Q(uncertain=True)
            | Q(undefined_in_source=True)
        )
        if stale_before is not None:
            q |= Q(last_verified__isnull=True) | Q(last_verified__lt=stale_before)
        return self.filter(q)


class SupportManager(models.Manager.from_queryset(SupportQuerySet)):
    def get_by_natural_key(self, framework_slug: str, capability_slug: str) -> Support:
        return self.get(framework__slug=framework_slug, capability__slug=capability_slug)


class Support(models.Model):
    """A grid cell: how a framework supports a capability — ASGI, an ORM, a template
    engine. A Templates cell also names its engine (``engine``, the capability's engine,
    kept in step by :meth:`align`), which the matrix, its CSV and its URLs use."""

    framework = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="support_row")
    capability = models.ForeignKey(
        Capability, on_delete=models.CASCADE, related_name="cells", blank=True
    )
    engine = models.ForeignKey(
        Entry,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="support_column",
        help_text="Templates cells only: set from the capability (or the capability from it).",
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.UNKNOWN)
    uncertain = models.BooleanField(default=False, help_text="Written with a “?”, e.g. N?.")
    undefined_in_source = models.BooleanField(
        default=False, help_text="The raw value is not in the source's legend (e.g. “M”)."
    )
    superseded_by = models.ForeignKey(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
        help_text="For OBSOLETED: the engine that replaced this one.",
    )
    raw_value = models.CharField(max_length=40, blank=True, help_text="As the source wrote it.")
    notes = models.TextField(blank=True)
    evidence_page = models.ForeignKey(
        "wiki.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_url = models.URLField(blank=True)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)
    last_verified = models.DateField(null=True, blank=True)

    objects = SupportManager()

    class Meta:
        ordering = [
            "framework__name",
            "capability__group__order",
            "capability__order",
            "capability__name",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "engine"], name="catalog_support_unique_pair"
            ),
            models.UniqueConstraint(
                fields=["framework", "capability"], name="catalog_support_unique_cell"
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="catalog_support_level_valid"
            ),
            models.CheckConstraint(
                condition=(Q(level=Level.OBSOLETED) & Q(superseded_by__isnull=False))
                | (~Q(level=Level.OBSOLETED) & Q(superseded_by__isnull=True)),
                name="catalog_support_obsoleted_has_successor",
                violation_error_message=(
                    "“Obsoleted” needs the engine that replaced it, and only “Obsoleted” takes one."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(framework=models.F("engine")), name="catalog_support_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework} × {self.row_name}: {self.level}"

    def save(self, *args, **kwargs) -> None:
        self.align()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """Its evidence, else its framework's page."""
        return self.get_evidence_url() or self.framework.get_absolute_url()

    def get_evidence_url(self) -> str:
        """Its evidence: the wiki page, else the address (http(s) only), else ""."""
        if self.evidence_page_id:
            return self.evidence_page.get_absolute_url()
        return web_url(self.evidence_url)

    def get_page_url(self) -> str:
        """The cell's own page on the site."""
        return reverse(
            "catalog:cell", kwargs={"framework": self.framework.slug, "engine": self.row_slug}
        )

    @property
    def row_name(self) -> str:
        if self.engine_id:
            return str(self.engine)
        return str(self.capability) if self.capability_id else "?"

    @property
    def row_slug(self) -> str:
        """The cell's second URL part: the engine's slug, which is its capability's."""
        if self.capability_id:
            return self.capability.slug
        return self.engine.slug if self.engine_id else ""

    def align(self) -> None:
        """Keep ``engine`` and ``capability`` in step: a cell made with an engine gets the
        engine's Templates capability (made on first use), and the reverse."""
        if self.capability_id is None and self.engine_id is not None:
            self.capability = Capability.objects.for_engine(self.engine)
        elif self.capability_id is not None and self.engine_id is None:
            self.engine_id = self.capability.engine_id

    def clean(self) -> None:
        # Checks only: the Templates capability of an engine is made when the cell is saved.
        if self.capability_id is None and self.engine_id is None:
            raise ValidationError({"capability": "Choose a capability (or a template engine)."})
        if (
            self.capability_id is not None
            and self.engine_id is not None
            and self.capability.engine_id != self.engine_id
        ):
            raise ValidationError({"engine": "The engine must be the capability's engine."})

    def natural_key(self) -> tuple[str, str]:
        # A fixture written before capabilities names only the engine, whose slug is its
        # Templates capability's.
        return (self.framework.slug, self.row_slug)

    natural_key.dependencies = ["catalog.entry", "catalog.capability"]


class RevisionAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"


class RevisionQuerySet(models.QuerySet):
    def of_entry(self, entry: Entry) -> RevisionQuerySet:
        """Everything the entry's page shows: the entry, its cells and its relations."""
        return self.filter(entry=entry)


class Revision(models.Model):
    """One change to a catalog fact — an entry, a grid cell or a relation — by any path
    (admin, import, fixtures, refresh_facts, revert): who, when, why, and the values
    before and after (``None`` before a creation and after a deletion). Written by
    catalog/services.py in the transaction of the change."""

    OBJECT_TYPES = [("entry", "Entry"), ("cell", "Grid cell"), ("relation", "Relation")]

    entry = models.ForeignKey(
        Entry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
        help_text="The entry whose page shows the fact (a cell's framework).",
    )
    entry_name = models.CharField(max_length=100, help_text="Kept when the entry is deleted.")
    object_type = models.CharField(max_length=10, choices=OBJECT_TYPES)
    object_key = models.CharField(
        max_length=220, help_text="e.g. “django”, “django/asgi”, “flask built-on werkzeug”."
    )
    action = models.CharField(max_length=10, choices=RevisionAction.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=20, help_text="admin, import, fixtures, refresh, revert …")
    comment = models.CharField(max_length=300, blank=True, help_text="Why.")
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["entry", "-created"], name="catalog_revision_entry"),
            models.Index(fields=["object_type", "object_key"], name="catalog_revision_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=RevisionAction.values), name="catalog_revision_action"
            ),
            models.CheckConstraint(
                condition=(Q(action="created") & Q(before__isnull=True) & Q(after__isnull=False))
                | (Q(action="deleted") & Q(before__isnull=False) & Q(after__isnull=True))
                | (Q(action="changed") & Q(before__isnull=False) & Q(after__isnull=False)),
                name="catalog_revision_values_match_action",
                violation_error_message="A creation has no “before”, a deletion no “after”.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_key} {self.action} {self.created:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:revision", kwargs={"pk": self.pk})

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every value that differs."""
        before, after = self.before or {}, self.after or {}
        return [
            (name, before.get(name), after.get(name))
            for name in dict.fromkeys([*before, *after])
            if before.get(name) != after.get(name)
        ]


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class FactProposal(models.Model):
    """A difference between the catalog and an entry's package metadata, found by
    ``manage.py refresh_facts``: an editor accepts it (the entry changes, with a revision)
    or rejects it (the same value is not proposed again)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="proposals")
    field = models.CharField(max_length=40)
    current = models.JSONField(null=True, blank=True)
    proposed = models.JSONField()
    origin = models.CharField(max_length=300, help_text="Where the value was read.")
    observed = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["entry__name", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "field"],
                condition=Q(status="pending"),
                name="catalog_proposal_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="catalog_proposal_status"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided__isnull=True)
                | (~Q(status="pending") & Q(decided__isnull=False)),
                name="catalog_proposal_decided_when_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry}: {self.field} → {self.proposed}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:upkeep") + "#proposals"
