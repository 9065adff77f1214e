"""loaddata's raw saves: the one place Django gives no other hook than a signal.

Fixtures write catalog rows without the services. These receivers tell the change step
what such a row changed, and queue a loaded entry's description for rendering once the
load commits (when every row it may name exists). Every other write goes through
catalog/services.py.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from catalog import history
from catalog.links import entry_keys
from catalog.models import Component, Entry, Framework, PythonVersion, Relation, Source, Support
from catalog.services import COLLECTION, DESCRIBE_TOPIC, NAMES, citing, keys_targets
from core import changes, outbox

ENTRY_SENDERS = (Entry, Framework, Component)
ENTRY = Entry._meta.label_lower


HISTORY_TYPES = {Entry: "entry", Support: "cell", Relation: "relation"}


def _history_before(instance) -> None:
    """Before a fixture row is written: what it held, for its revision."""
    kind = HISTORY_TYPES[instance._meta.concrete_model]
    instance._history_before = history.STATES[kind](instance.pk)


def _history_after(instance, entry_id: int) -> None:
    """Once the load commits (its many-to-many values set too): the revision."""
    kind = HISTORY_TYPES[instance._meta.concrete_model]
    before, pk = getattr(instance, "_history_before", None), instance.pk

    def write() -> None:
        history.record(
            kind,
            entry_id=entry_id,
            before=before,
            after=history.STATES[kind](pk),
            change=history.Change(via="fixtures", comment="Loaded from the fixtures"),
        )

    transaction.on_commit(write)


def entry_stamped(sender, instance: Entry, raw: bool = False, **kwargs) -> None:
    if not raw:
        return
    if instance.updated is None:
        instance.updated = timezone.now()  # raw saves skip auto_now
    changes.keep_version_rising(instance)
    _history_before(instance)


def entry_loaded(sender, instance: Entry, raw: bool = False, **kwargs) -> None:
    if not raw:
        return
    outbox.enqueue(DESCRIBE_TOPIC, [str(instance.pk)])
    _history_after(instance, instance.pk)
    changes.record(
        changed=[(ENTRY, instance.pk)],
        targets=keys_targets(entry_keys(slug=instance.slug, name=instance.name)),
        collections=[COLLECTION, NAMES],
    )


def cell_aligned(sender, instance: Support, raw: bool = False, **kwargs) -> None:
    """A fixture written before capabilities names only a cell's engine."""
    if raw:
        instance.align()
        if instance.capability_id is None:
            raise ValueError(
                f"A grid cell of {instance.framework_id and instance.framework.slug} names "
                "no capability or engine that exists."
            )
        _history_before(instance)


def cell_loaded(sender, instance: Support, raw: bool = False, **kwargs) -> None:
    if raw:
        _history_after(instance, instance.framework_id)
        ids = {instance.framework_id, instance.engine_id} - {None}
        changes.record(changed=[(ENTRY, pk) for pk in ids], collections=[COLLECTION])


def relation_before(sender, instance: Relation, raw: bool = False, **kwargs) -> None:
    if raw:
        _history_before(instance)


def relation_loaded(sender, instance: Relation, raw: bool = False, **kwargs) -> None:
    if raw:
        _history_after(instance, instance.source_id)
        ids = {instance.source_id, instance.target_id}
        changes.record(changed=[(ENTRY, pk) for pk in ids], collections=[COLLECTION])


def source_loaded(sender, instance: Source, raw: bool = False, **kwargs) -> None:
    if raw:
        changes.record(shown=[(ENTRY, pk) for pk in citing(instance.pk)], collections=[COLLECTION])


def python_version_loaded(sender, instance: PythonVersion, raw: bool = False, **kwargs) -> None:
    if raw:
        changes.record(collections=[COLLECTION])


def connect() -> None:
    for model in ENTRY_SENDERS:
        name = model.__name__
        pre_save.connect(entry_stamped, sender=model, dispatch_uid=f"catalog_stamp_{name}")
        post_save.connect(entry_loaded, sender=model, dispatch_uid=f"catalog_loaded_{name}")
    pre_save.connect(cell_aligned, sender=Support, dispatch_uid="catalog_cell_aligned")
    post_save.connect(cell_loaded, sender=Support, dispatch_uid="catalog_cell_loaded")
    pre_save.connect(relation_before, sender=Relation, dispatch_uid="catalog_relation_before")
    post_save.connect(relation_loaded, sender=Relation, dispatch_uid="catalog_relation_loaded")
    post_save.connect(source_loaded, sender=Source, dispatch_uid="catalog_source_loaded")
    post_save.connect(
        python_version_loaded, sender=PythonVersion, dispatch_uid="catalog_pyversion_loaded"
    )
