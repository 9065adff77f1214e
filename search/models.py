"""The PostgreSQL backend's document and word tables, the document kinds the outbox's
keys use, the synonym table editors keep, and the queries that found nothing."""

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode as _urlencode

from search.text import fold


# Search itself reads the kinds from search.registry; these stay for older callers.
class DocKind(models.TextChoices):
    PAGE = "page", "Wiki page"
    FRAMEWORK = "framework", "Framework"
    COMPONENT = "component", "Component"


class IndexOp(models.TextChoices):
    INDEX = "index", "Index"
    REMOVE = "remove", "Remove"


class SearchDocument(models.Model):
    """The PostgreSQL backend's index: one row per document or section, with two weighted
    tsvectors under GIN indexes (created by a migration on PostgreSQL only): `names` (the
    title and other names: the small, exact candidate set for name queries) and `vector`
    (title and names A, about and tags B, body C). Text columns hold folded copies."""

    key = models.CharField(max_length=200, unique=True)  # "page:12", "page:12#install"
    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    parent = models.CharField(max_length=200, blank=True)  # a section's document key
    title = models.CharField(max_length=300)
    context = models.CharField(max_length=300, blank=True)  # a section's page title
    title_norm = models.CharField(max_length=300, db_index=True)
    exact = models.TextField(blank=True)  # "|web py|webpy|": the exact-name keys
    body = models.TextField(blank=True)
    tags = models.TextField(blank=True)  # "|async|micro|"
    facets = models.TextField(blank=True)  # "|fkind=micro|status=active|"
    prior = models.FloatField(default=0.0)
    url = models.CharField(max_length=500)
    updated = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=40)
    names = SearchVectorField(null=True)
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


def parse_words(text: str) -> list[str]:
    """ "async, asynchronous , ASGI" → ["async", "asynchronous", "asgi"] (folded, spaces
    squeezed; empty items kept as "" so that validation can name them)."""
    return [" ".join(fold(part).split()) for part in text.split(",")]


class SearchSynonym(models.Model):
    """Words a query also searches for: `async` → asynchronous, asyncio. Two-way entries
    work both ways (`fastcgi` ↔ `fcgi`). Kept by editors in the admin; read per query, so
    a change applies at once, without re-indexing."""

    term = models.CharField(max_length=100, unique=True, help_text="A word or short phrase.")
    synonyms = models.CharField(
        max_length=500, help_text="What the term also finds, separated by commas."
    )
    two_way = models.BooleanField(
        default=True, help_text="Each synonym also finds the term (and the other synonyms)."
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.CheckConstraint(condition=~Q(term=""), name="search_synonym_term_not_empty"),
            models.CheckConstraint(
                condition=~Q(synonyms=""), name="search_synonym_synonyms_not_empty"
            ),
        ]

    def __str__(self) -> str:
        arrow = "↔" if self.two_way else "→"
        return f"{self.term} {arrow} {self.synonyms}"

    def get_absolute_url(self) -> str:
        return reverse("search:results") + f"?q={self.term}"

    def words(self) -> list[str]:
        return [w for w in parse_words(self.synonyms) if w]

    def clean(self) -> None:
        term = " ".join(fold(self.term or "").split())
        words = parse_words(self.synonyms or "")
        if not term:
            raise ValidationError({"term": "The term is empty: give a word or short phrase."})
        if not any(words):
            raise ValidationError({"synonyms": "Give at least one synonym."})
        if "" in words:
            raise ValidationError(
                {"synonyms": "An empty synonym (two commas in a row, or one at the end)."}
            )
        if term in words:
            raise ValidationError(
                {"synonyms": f"A loop: “{term}” is listed as a synonym of itself."}
            )
        if len(set(words)) != len(words):
            raise ValidationError({"synonyms": "A synonym is listed twice."})
        self.term = term
        self.synonyms = ", ".join(words)
        others = SearchSynonym.objects.exclude(pk=self.pk)
        loop = _find_loop(term, words, self.two_way, list(others))
        if loop:
            raise ValidationError(
                {
                    "synonyms": "A loop: "
                    + " → ".join(f"“{w}”" for w in loop)
                    + ". Make these one two-way entry instead."
                }
            )


def _find_loop(term: str, words: list[str], two_way: bool, others) -> list[str] | None:
    """A chain of one-way entries leading back to where it started, through this entry.
    Two-way entries are groups of equals, not chains: they are left out, and a word may
    belong to one group only."""
    for other in others:
        if not (two_way and other.two_way):
            continue
        group = {other.term, *other.words()}
        shared = group & {term, *words}
        if shared and other.term != term:
            word = sorted(shared)[0]
            return [term, word, other.term, term] if word != other.term else [term, word, term]
    edges: dict[str, set[str]] = {}
    for other in [*others, None]:
        if other is None:
            source, targets, both = term, words, two_way
        else:
            source, targets, both = other.term, other.words(), other.two_way
        if both:
            continue
        edges.setdefault(source, set()).update(targets)
    if two_way:
        return None
    # Depth-first from each of this entry's words back to its term.
    for start in words:
        stack = [(start, [term, start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            if node == term:
                return path
            if node in seen:
                continue
            seen.add(node)
            for nxt in edges.get(node, ()):
                stack.append((nxt, [*path, nxt]))
    return None


class SearchMiss(models.Model):
    """A query that found nothing: what readers look for and the site lacks."""

    query = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-count", "-last_seen"]
        verbose_name = "query without results"
        verbose_name_plural = "queries without results"

    def __str__(self) -> str:
        return self.query

    def get_absolute_url(self) -> str:
        return reverse("search:results") + "?" + _urlencode({"q": self.query})
