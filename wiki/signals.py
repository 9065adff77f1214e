"""The two places Django gives no other hook than a signal; both call the change step.

- loaddata saves pages raw (no service, no Model.save()): their keys are derived here,
  and each is queued for rendering once the load commits.
- A user renamed or deleted in Django's own admin: the pages whose current revision they
  wrote show their name.
"""

from django.conf import settings
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver

from core import changes, outbox
from wiki.models import Page
from wiki.services import COLLECTION, RENDER_TOPIC


@receiver(pre_save, sender=Page, dispatch_uid="wiki_page_keys")
def derive_page_keys(sender, instance: Page, raw: bool = False, **kwargs) -> None:
    """loaddata saves raw (no Model.save()), so the keys are derived here, for every save."""
    instance.refresh_keys()
    if raw:
        changes.keep_version_rising(instance)


@receiver(post_save, sender=Page, dispatch_uid="wiki_raw_page_loaded")
def raw_page_loaded(sender, instance: Page, raw: bool, **kwargs) -> None:
    """A page row written by loaddata: render it (after the load commits, when every row
    of the fixture exists), and tell the change step it changed."""
    if not raw:
        return
    Page.objects.filter(pk=instance.pk).update(needs_render=True)
    outbox.enqueue(RENDER_TOPIC, [str(instance.pk)])
    changes.record(
        changed=[(Page._meta.label_lower, instance.pk)],
        targets=[("page", instance.key), ("page", instance.slug_key)],
        collections=[COLLECTION],
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="wiki_author_renamed")
def author_renamed(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    """(A log-in saves only last_login: nothing to do.)"""
    if created or (update_fields is not None and instance.USERNAME_FIELD not in update_fields):
        return
    _authored_by(instance.pk)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="wiki_author_deleted")
def author_deleted(sender, instance, **kwargs) -> None:
    _authored_by(instance.pk)


def _authored_by(user_id: int) -> None:
    pages = Page.objects.filter(current_revision__author_id=user_id).values_list("pk", flat=True)
    label = Page._meta.label_lower
    changes.record(shown=[(label, pk) for pk in pages], collections=[COLLECTION])
