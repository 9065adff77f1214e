"""The outbox of follow-up work, and the stamps of whole collections.

Objects that pages show carry their own ``version`` (wiki.Page, catalog.Entry): a change
bumps the versions of what it touched, and anything cached for them simply misses. A
page that lists a whole collection (recent changes, the catalog's lists) keys on that
collection's Stamp instead, bumped by the changes that alter the collection.
"""

from django.db import models


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
