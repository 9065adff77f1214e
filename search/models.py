"""The PostgreSQL backend's document and word tables, and the document kinds."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class DocKind(models.TextChoices):
    PAGE = "page", "Wiki page"
    FRAMEWORK = "framework", "Framework"
    COMPONENT = "component", "Component"


class IndexOp(models.TextChoices):
    INDEX = "index", "Index"
    REMOVE = "remove", "Remove"


class SearchDocument(models.Model):
    """The PostgreSQL backend's index: one row per entry, with a weighted tsvector.

    Text columns hold accent-folded, lower-cased copies; the GIN indexes (vector, and
    trigram on title_norm) are created by a migration on PostgreSQL only.
    """

    key = models.CharField(max_length=40, unique=True)  # "page:12"
    kind = models.CharField(max_length=16, choices=DocKind.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    title_norm = models.CharField(max_length=300, db_index=True)
    body = models.TextField(blank=True)
    tags = models.TextField(blank=True)  # "|async|micro|"
    fkind = models.CharField(max_length=24, blank=True)
    status = models.CharField(max_length=16, blank=True)
    engines = models.TextField(blank=True)  # "|jinja2|mako|"
    url = models.CharField(max_length=500)
    updated = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=40)
    vector = SearchVectorField(null=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url


class SearchWord(models.Model):
    """Words seen in titles and bodies: the PostgreSQL backend's "did you mean" list."""

    word = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word

    def get_absolute_url(self) -> str:
        return f"/search/?q={self.word}"
