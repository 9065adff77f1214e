"""Outbox receivers: every save or delete of an indexed thing writes an IndexTask row in
the saving transaction. Catalog hooks use Django's own signals (raw loaddata saves
included), so the catalog app needs no code for search."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from search.indexer import enqueue
from search.models import DocKind, IndexOp
from wiki.signals import page_deleted, page_saved

ENTRY_SENDERS = ("catalog.Entry", "catalog.Framework", "catalog.Component")
ENTRY_KINDS = (DocKind.FRAMEWORK, DocKind.COMPONENT)


@receiver(page_saved, dispatch_uid="search_page_saved")
def on_page_saved(sender, page, created: bool = False, **kwargs) -> None:
    enqueue(DocKind.PAGE, page.pk)


@receiver(page_deleted, dispatch_uid="search_page_deleted")
def on_page_deleted(sender, page_id: int, **kwargs) -> None:
    enqueue(DocKind.PAGE, page_id, IndexOp.REMOVE)


@receiver(post_save, sender="wiki.Page", dispatch_uid="search_page_post_save")
def on_page_post_save(sender, instance, raw: bool = False, **kwargs) -> None:
    """Raw loaddata saves (and any save outside wiki.services)."""
    enqueue(DocKind.PAGE, instance.pk)


@receiver(post_delete, sender="wiki.Page", dispatch_uid="search_page_post_delete")
def on_page_post_delete(sender, instance, **kwargs) -> None:
    enqueue(DocKind.PAGE, instance.pk, IndexOp.REMOVE)


def _entry_kind(instance) -> str:
    return DocKind.FRAMEWORK if instance.type == "framework" else DocKind.COMPONENT


def on_entry_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    kind = _entry_kind(instance)
    enqueue(kind, instance.pk)
    for other in ENTRY_KINDS:  # a retyped entry leaves its old document behind otherwise
        if other != kind and not kwargs.get("created"):
            enqueue(other, instance.pk, IndexOp.REMOVE)


def on_entry_deleted(sender, instance, **kwargs) -> None:
    enqueue(_entry_kind(instance), instance.pk, IndexOp.REMOVE)


def on_support_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    """A matrix cell's notes are part of both its framework's and its engine's document."""
    enqueue(DocKind.FRAMEWORK, instance.framework_id)
    enqueue(DocKind.COMPONENT, instance.engine_id)


for _sender in ENTRY_SENDERS:
    post_save.connect(on_entry_saved, sender=_sender, dispatch_uid=f"search_saved_{_sender}")
    post_delete.connect(on_entry_deleted, sender=_sender, dispatch_uid=f"search_deleted_{_sender}")
post_save.connect(on_support_changed, sender="catalog.Support", dispatch_uid="search_support_saved")
post_delete.connect(
    on_support_changed, sender="catalog.Support", dispatch_uid="search_support_deleted"
)
