"""Receivers: description HTML for every save (raw ones too), and link bookkeeping.

The admin and loaddata do not go through catalog.services, so these keep wiki pages
linking ``[[framework:flask]]`` right whichever way an entry is written.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from catalog.links import entry_keys
from catalog.models import Component, Entry, Framework
from wiki.signals import link_targets_changed

SENDERS = (Entry, Framework, Component)


def before_save(sender, instance: Entry, raw: bool = False, **kwargs) -> None:
    from catalog import services

    if raw and instance.updated is None:
        # Raw saves skip auto_now: fixtures need not carry a timestamp.
        instance.updated = timezone.now()
    services.render_description(instance)
    instance._catalog_old_keys = set()
    if instance.pk:
        old = Entry.objects.filter(pk=instance.pk).values_list("slug", "name").first()
        if old is not None:
            instance._catalog_old_keys = entry_keys(slug=old[0], name=old[1])


def after_save(sender, instance: Entry, created: bool, raw: bool = False, **kwargs) -> None:
    from catalog import services

    old = getattr(instance, "_catalog_old_keys", set())
    new = entry_keys(slug=instance.slug, name=instance.name)
    if created or old != new:
        services.entry_links_changed(keys=old | new)
    if raw and instance.description:
        # Links in the description may name rows later in the fixture: render again then.
        pk = instance.pk
        transaction.on_commit(lambda: services.rerender_description(pk))


def after_delete(sender, instance: Entry, **kwargs) -> None:
    from catalog import services

    services.entry_links_changed(keys=entry_keys(slug=instance.slug, name=instance.name))


for _sender in SENDERS:
    pre_save.connect(before_save, sender=_sender, dispatch_uid=f"catalog_pre_{_sender.__name__}")
    post_save.connect(after_save, sender=_sender, dispatch_uid=f"catalog_post_{_sender.__name__}")
    post_delete.connect(
        after_delete, sender=_sender, dispatch_uid=f"catalog_delete_{_sender.__name__}"
    )


# ---------------------------------------------------------------- cached pages


def _bump_content_version(sender, **kwargs) -> None:
    """Any catalog change outdates cached anonymous pages (wiki/pagecache.py)."""
    from wiki.pagecache import bump

    bump()


def connect_content_version() -> None:
    """Per model, not for any sender: a catch-all delete receiver would turn off Django's
    fast deletes for every model in the project."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from catalog.models import Component, Entry, Framework, PythonVersion, Relation, Source, Support

    for model in (Entry, Framework, Component, Relation, Support, Source, PythonVersion):
        post_save.connect(_bump_content_version, sender=model, dispatch_uid=f"cv_save_{model}")
        post_delete.connect(_bump_content_version, sender=model, dispatch_uid=f"cv_del_{model}")
    for field in ("python_versions", "sources", "pages"):
        through = getattr(Entry, field).through
        m2m_changed.connect(_bump_content_version, sender=through, dispatch_uid=f"cv_m2m_{field}")


# ---------------------------------------------------------------- descriptions


def on_link_targets_changed(sender, kind: str, keys, **kwargs) -> None:
    """A page or entry that descriptions may name appeared, moved or went away."""
    from catalog import services

    services.rerender_descriptions_naming(kind=kind, keys=keys)


link_targets_changed.connect(on_link_targets_changed, dispatch_uid="catalog_descriptions")
