"""Signals other apps listen to (the search index), and the raw-save hook for loaddata."""

from django.db import transaction
from django.db.models.signals import post_save, pre_save
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
