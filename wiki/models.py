"""Wiki pages, their append-only revisions, tags and resolved cross-links."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from core.models import Versioned
from wiki.naming import match_key


class TagManager(models.Manager):
    def get_by_natural_key(self, name: str) -> "Tag":
        return self.get(name=name)


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True, allow_unicode=True)

    objects = TagManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wiki:tag", kwargs={"tag": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class PageQuerySet(models.QuerySet):
    def with_current(self) -> "PageQuerySet":
        return self.select_related("current_revision", "current_revision__author")

    def orphans(self) -> "PageQuerySet":
        linked = PageLink.objects.filter(target__isnull=False).exclude(source=models.F("target"))
        return self.exclude(pk__in=linked.values("target"))


class PageManager(models.Manager.from_queryset(PageQuerySet)):
    def get_by_natural_key(self, slug: str) -> "Page":
        return self.get(slug=slug)


class Page(Versioned):
    """A wiki page. Its body mirrors the current revision; history lives in Revision."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True, allow_unicode=True)
    # Link-matching key: the title case-folded to letters and digits, so that
    # [[Web Frameworks]], [[web-frameworks]] and WebFrameworks all find this page.
    key = models.CharField(max_length=220, unique=True, editable=False)
    # The slug's key: a renamed page keeps its slug, so links by its first name still arrive.
    slug_key = models.CharField(max_length=220, db_index=True, editable=False)
    body = models.TextField(blank=True)
    summary = models.CharField(max_length=300, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="pages")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)
    current_revision = models.ForeignKey(
        "Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Number of the current revision; the compare-and-set target for edit conflicts.
    revision_number = models.PositiveIntegerField(default=0, editable=False)
    # (version, from Versioned: bumped by every change to what the page's view shows —
    # its text, its links' targets, its backlinks, its tags, its author's name. Stored
    # snapshots and cached pages showing it are valid only for the version they were
    # made from.)
    # A link target it names appeared, moved or went away since its HTML was rendered:
    # the outbox re-renders it (wiki/relink.py), or its next view does.
    needs_render = models.BooleanField(default=False, editable=False)

    objects = PageManager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(Lower("title"), name="wiki_page_title_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("wiki:page", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def refresh_keys(self) -> None:
        """Derive the link-matching keys; called on every save, raw ones too (pre_save)."""
        self.key = match_key(self.title)
        self.slug_key = match_key(self.slug)

    @property
    def html(self) -> str:
        return self.current_revision.html if self.current_revision else ""


class RevisionManager(models.Manager):
    def get_by_natural_key(self, slug: str, number: int) -> "Revision":
        return self.get(page__slug=slug, number=number)


class Revision(models.Model):
    """One saved state of a page: append-only, numbered 1, 2, 3 … per page."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    comment = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    # Sanitized HTML, rendered once when saved (and refreshed when a link target appears
    # or disappears) — never per request.
    html = models.TextField(blank=True, editable=False)

    objects = RevisionManager()

    class Meta:
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="wiki_revision_page_number"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="wiki_revision_number_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} r{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("wiki:page", kwargs={"slug": self.page.slug}) + f"?rev={self.number}"

    def natural_key(self) -> tuple[str, int]:
        return (self.page.slug, self.number)

    natural_key.dependencies = ["wiki.page"]


class PageLink(models.Model):
    """A cross-link found in a page's current revision, resolved at save time.

    kind is "page" for wiki links ([[Title]] and WikiWords) or a registered prefix such as
    "framework". target is set for resolved wiki links; missing ones are "wanted pages".
    """

    PAGE = "page"

    source = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="outgoing_links")
    kind = models.CharField(max_length=32, default=PAGE)
    target_key = models.CharField(max_length=220)
    target_text = models.CharField(max_length=200)
    target = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="incoming_links"
    )
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["source", "kind", "target_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "target_key"], name="wiki_pagelink_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "target_key"], name="wiki_pagelink_target_key"),
            models.Index(fields=["kind", "resolved"], name="wiki_pagelink_resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.kind}:{self.target_text}"

    def get_absolute_url(self) -> str:
        return self.source.get_absolute_url()


class PageSnapshot(models.Model):
    """The stored anonymous response of a page's bare URL (wiki/snapshots.py): gzip bytes,
    their ETag, the page version and the layout stamp (core/layout.py) they were rendered
    from. Written on the first anonymous view; served only while the page is still at
    that version and the layout unchanged."""

    page = models.OneToOneField(
        Page, primary_key=True, on_delete=models.CASCADE, related_name="+", editable=False
    )
    version = models.PositiveBigIntegerField(default=0)
    layout = models.CharField(max_length=32)
    etag = models.CharField(max_length=80)
    content = models.BinaryField()

    class Meta:
        ordering = ["page"]

    def __str__(self) -> str:
        return f"snapshot of page {self.page_id}"

    def get_absolute_url(self) -> str:
        return reverse("wiki:page", kwargs={"slug": self.page.slug})
