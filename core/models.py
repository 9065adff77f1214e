"""The outbox of follow-up work, and the stamps of whole collections.

Objects that pages show carry their own ``version`` (wiki.Page, catalog.Entry): a change
bumps the versions of what it touched, and anything cached for them simply misses. A
page that lists a whole collection (recent changes, the catalog's lists) keys on that
collection's Stamp instead, bumped by the changes that alter the collection.
"""

from django.db import models


class Versioned(models.Model):
    """A model whose pages are cached by version: the change step (core/changes.py) bumps
    ``version`` with an UPDATE; a save of the instance never writes it back (its
    in-memory copy may be older than the row's)."""

    version = models.PositiveBigIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs) -> None:
        if update_fields is None and not self._state.adding and self.pk is not None:
            update_fields = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "version"
            ]
        elif update_fields is not None:
            update_fields = [name for name in update_fields if name != "version"]
        super().save(*args, update_fields=update_fields, **kwargs)


class Task(models.Model):
    """One piece of follow-up work, written in the transaction that made it necessary and
    deleted once done: re-render a page whose link targets changed, index a document …

    (topic, key) is unique: asking again for work already pending resets the row's claim,
    so a worker running the older request leaves it for another round (core/outbox.py).
    """

    topic = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    # The id of the worker's claim while it runs the row, else "".
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    # Claimed: when; waiting after a failure: not before then.
    not_before = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="core_task_topic_key"),
        ]
        indexes = [models.Index(fields=["topic", "id"], name="core_task_topic_id")]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"

    def get_absolute_url(self) -> str:
        return f"/admin/core/task/{self.pk}/change/"


class Stamp(models.Model):
    """A counter per collection ("wiki", "catalog"), bumped by changes to its membership
    or to what its lists show; pages listing the collection are cached under it."""

    name = models.CharField(max_length=40, primary_key=True)
    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"

    def get_absolute_url(self) -> str:
        return "/"


class CachedPage(models.Model):
    """An anonymous response stored for every process and machine (core/pagecache.py):
    its gzip bytes, its ETag and headers, the versions of what it shows and the GET
    parameters its view reads, and the layout stamp it was rendered under. Served only
    while those versions and that layout still hold; a new rendering overwrites it."""

    key = models.CharField(max_length=64, primary_key=True)  # sha256 of host, path, query
    layout = models.CharField(max_length=32)
    deps = models.JSONField()
    etag = models.CharField(max_length=80)
    headers = models.JSONField()
    content = models.BinaryField()
    stored = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return "/"
