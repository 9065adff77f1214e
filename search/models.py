"""The indexing outbox, and the PostgreSQL backend's document and word tables."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q


class DocKind(models.TextChoices):
    PAGE = "page", "Wiki page"
    FRAMEWORK = "framework", "Framework"
    COMPONENT = "component", "Component"


class IndexOp(models.TextChoices):
    INDEX = "index", "Index"
    REMOVE = "remove", "Remove"


class IndexTask(models.Model):
    """One pending index change, written in the saving transaction, drained after commit.

    Rows are deleted only once the index has committed the change, so a crash or an
    index failure leaves them here for the next drain or `search_index --update`.
    """

    kind = models.CharField(max_length=16, choices=DocKind.choices)
    object_id = models.BigIntegerField()
    op = models.CharField(max_length=8, choices=IndexOp.choices, default=IndexOp.INDEX)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocKind.values), name="search_indextask_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(op__in=IndexOp.values), name="search_indextask_op_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.kind}:{self.object_id}"

    def get_absolute_url(self) -> str:
        return f"/search/?q=kind:{self.kind}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


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
