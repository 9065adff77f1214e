"""The catalog: typed entries for frameworks and components, their relations, and the
framework × template-engine support matrix.

One table, Entry, holds frameworks and components alike (CherryPy is both a framework and
a WSGI server; relations cross the two freely); Framework and Component are proxies with
their own managers and admin. Choices are enforced by database constraints.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q
from django.urls import reverse

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
    WSGI_SERVER = "wsgi-server", "WSGI / HTTP server"
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
    INACTIVE = "inactive", "Inactive"
    DISCONTINUED = "discontinued", "Discontinued"
    UNKNOWN = "unknown", "Unknown"


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

    def get_absolute_url(self) -> str:
        if self.type == EntryType.FRAMEWORK:
            return reverse("catalog:framework-detail", kwargs={"slug": self.slug})
        return reverse("catalog:component-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def is_framework(self) -> bool:
        return self.type == EntryType.FRAMEWORK


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


class Level(models.TextChoices):
    DEFAULT = "DEFAULT", "Default"
    YES = "YES", "Yes"
    NO = "NO", "No"
    UNCLEAR = "UNCLEAR", "Unclear"
    OBSOLETED = "OBSOLETED", "Obsoleted by"
    PLANNED = "PLANNED", "Planned"
    UNKNOWN = "UNKNOWN", "Unknown"


class SupportQuerySet(models.QuerySet):
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
    def get_by_natural_key(self, framework_slug: str, engine_slug: str) -> Support:
        return self.get(framework__slug=framework_slug, engine__slug=engine_slug)


class Support(models.Model):
    """A matrix cell: how well a framework supports a template engine."""

    framework = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="support_row")
    engine = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="support_column")
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
        ordering = ["framework__name", "engine__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "engine"], name="catalog_support_unique_pair"
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
        return f"{self.framework} × {self.engine}: {self.level}"

    def get_absolute_url(self) -> str:
        if self.evidence_page_id:
            return self.evidence_page.get_absolute_url()
        return web_url(self.evidence_url) or self.framework.get_absolute_url()

    def natural_key(self) -> tuple[str, str]:
        return (self.framework.slug, self.engine.slug)

    natural_key.dependencies = ["catalog.entry"]
