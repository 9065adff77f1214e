"""Signals other apps listen to (the search index), and the raw-save hook for loaddata."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver

# Sent by wiki.services inside the saving transaction: page=<Page>, created=<bool>.
# Receivers that do outside work (indexing) must defer it with transaction.on_commit.
page_saved = Signal()
# Sent by wiki.services.page_delete inside the transaction: page_id=<int>, slug=<str>.
page_deleted = Signal()
# Sent by wiki.services whenever a page's outgoing links are replaced, inside the
# transaction: source_id=<int>, target_ids=<set[int]> — the pages that gained or lost a
# link from this source (their backlink counts changed). Bulk paths send it too.
page_links_changed = Signal()
# Sent by wiki.services when link targets named by some keys appear, move or go away —
# wiki pages (kind "page") or another app's targets (links_changed): kind=<str>,
# keys=<set[str]>. The wiki re-renders its own pages; apps with texts of their own that
# name such targets (catalog descriptions) listen.
link_targets_changed = Signal()


@receiver(pre_save, sender="wiki.Page", dispatch_uid="wiki_page_keys")
def derive_page_keys(sender, instance, **kwargs) -> None:
    """loaddata saves raw (no Model.save()), so the keys are derived here, for every save."""
    instance.refresh_keys()


@receiver(post_save, sender="wiki.Page", dispatch_uid="wiki_render_raw_pages")
def render_raw_loaded_page(sender, instance, raw: bool, **kwargs) -> None:
    """loaddata saves pages raw: render them once the whole fixture has committed."""
    if not raw:
        return
    pk = instance.pk

    def render_after_commit() -> None:
        from wiki.models import Page
        from wiki.services import page_ensure_rendered

        page = Page.objects.filter(pk=pk).first()
        if page is not None:
            page_ensure_rendered(page)

    transaction.on_commit(render_after_commit)


@receiver(page_saved, dispatch_uid="wiki_content_version_saved")
@receiver(page_deleted, dispatch_uid="wiki_content_version_deleted")
@receiver(post_save, sender="wiki.Tag", dispatch_uid="wiki_content_version_tag")
def bump_content_version(sender, **kwargs) -> None:
    """Cached anonymous pages go stale with this transaction (wiki/pagecache.py)."""
    from wiki.pagecache import bump

    bump()


# ---------------------------------------------------------------- page snapshots
# Stored anonymous responses (wiki/snapshots.py) are deleted inside the transaction that
# changes what they show.


@receiver(page_saved, dispatch_uid="wiki_snapshot_page_saved")
def _snapshot_page_saved(sender, page, **kwargs) -> None:
    """The page itself: an edit, or a re-render because its link targets changed."""
    from wiki.snapshots import invalidate

    invalidate([page.pk])


@receiver(page_deleted, dispatch_uid="wiki_snapshot_page_deleted")
def _snapshot_page_deleted(sender, page_id, **kwargs) -> None:
    from wiki.snapshots import invalidate

    invalidate([page_id])


@receiver(page_links_changed, dispatch_uid="wiki_snapshot_links_changed")
def _snapshot_links_changed(sender, source_id, target_ids, **kwargs) -> None:
    """Pages that gained or lost a link from source_id: their backlink counts changed."""
    from wiki.snapshots import invalidate

    invalidate(target_ids)


@receiver(post_save, sender="wiki.Page", dispatch_uid="wiki_snapshot_page_row")
def _snapshot_page_row(sender, instance, **kwargs) -> None:
    """Any save of the row, also outside wiki.services (loaddata's raw saves)."""
    from wiki.snapshots import invalidate

    invalidate([instance.pk])


@receiver(post_save, sender="wiki.Tag", dispatch_uid="wiki_snapshot_tag_saved")
def _snapshot_tag_saved(sender, instance, created: bool, **kwargs) -> None:
    """A renamed tag: every page showing it."""
    if created:
        return
    from wiki.models import Page
    from wiki.snapshots import invalidate_query

    invalidate_query(Page.tags.through.objects.filter(tag_id=instance.pk).values("page_id"))


@receiver(pre_delete, sender="wiki.Tag", dispatch_uid="wiki_snapshot_tag_deleted")
def _snapshot_tag_deleted(sender, instance, **kwargs) -> None:
    """Before the tag's page links go with it."""
    from wiki.models import Page
    from wiki.snapshots import invalidate

    invalidate(
        Page.tags.through.objects.filter(tag_id=instance.pk).values_list("page_id", flat=True)
    )


@receiver(m2m_changed, sender="wiki.Page_tags", dispatch_uid="wiki_snapshot_page_tags")
def _snapshot_page_tags(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """Tags added to or removed from pages, from either side (page.tags / tag.pages)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    from wiki.models import Page
    from wiki.snapshots import invalidate

    if not reverse:
        invalidate([instance.pk])
    elif action == "pre_clear":
        invalidate(
            Page.tags.through.objects.filter(tag_id=instance.pk).values_list("page_id", flat=True)
        )
    else:
        invalidate(pk_set or ())


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="wiki_snapshot_user_saved")
def _snapshot_user_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    """A renamed user: the pages whose current revision they wrote show their name.
    (A log-in saves only last_login: nothing to do.)"""
    if created or (update_fields is not None and instance.USERNAME_FIELD not in update_fields):
        return
    _invalidate_authored_by(instance.pk)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="wiki_snapshot_user_deleted")
def _snapshot_user_deleted(sender, instance, **kwargs) -> None:
    """A deleted user: their revisions lose the author name."""
    _invalidate_authored_by(instance.pk)


def _invalidate_authored_by(user_id: int) -> None:
    from wiki.models import Page
    from wiki.snapshots import invalidate_query

    invalidate_query(Page.objects.filter(current_revision__author_id=user_id).values("pk"))
