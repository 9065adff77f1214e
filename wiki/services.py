"""Every write to the wiki goes through here: admin, import, revert, fixture loading.

A save creates the next revision, renders and sanitizes it once, replaces the page's
PageLink rows, re-renders pages whose links it satisfies or breaks, and sends
:data:`wiki.signals.page_saved` (the search index listens, after commit).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.text import slugify

from wiki.markup import Rendered, render, render_many
from wiki.models import Page, PageLink, Revision, Tag
from wiki.naming import match_key, slug_for, validate_title
from wiki.signals import link_targets_changed, page_deleted, page_links_changed, page_saved


class EditConflict(Exception):
    """The page changed since the editor loaded it; nothing was saved."""

    def __init__(self, page: Page, base_revision: int, current: Revision | None):
        self.page = page
        self.base_revision = base_revision
        self.current = current
        super().__init__(
            f"“{page.title}” was changed by someone else (now at revision "
            f"{current.number if current else 0}, you started from {base_revision})."
        )


# ---------------------------------------------------------------- validation


def validate_body(body: str) -> str:
    body = body.replace("\r\n", "\n").replace("\x00", "")
    limit = settings.WIKI_MAX_BODY_BYTES
    size = len(body.encode("utf-8"))
    if size > limit:
        raise ValidationError(
            f"The page text is {size:,} bytes; the limit is {limit:,} bytes. "
            "Split it into several pages.",
            code="too_large",
        )
    return body


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """'Async, micro , async' → ['Async', 'micro'] (deduplicated case-insensitively)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: dict[str, str] = {}
    for raw in items:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > 64 or not slugify(name, allow_unicode=True):
            raise ValidationError(
                f"“{name[:40]}” is not a usable tag: "
                "at most 64 characters, with a letter or digit.",
                code="invalid_tag",
            )
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _set_tags(page: Page, names: list[str]) -> None:
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(name=name, slug=_unique_tag_slug(name))
        tags.append(tag)
    page.tags.set(tags)


def _unique_tag_slug(name: str) -> str:
    base = slugify(name, allow_unicode=True)[:60]
    slug, n = base, 2
    while Tag.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def slug_base(title: str, wanted: str | None = None) -> str:
    """The slug a page gets when nothing else has it (else -2, -3 … are added)."""
    base = slugify(wanted, allow_unicode=True) if wanted else slug_for(title)
    if not base:
        raise ValidationError("A slug needs at least one letter or digit.", code="invalid")
    return base[:200]


def _unique_slug(title: str, wanted: str | None = None, exclude_pk: int | None = None) -> str:
    base = slug_base(title, wanted)
    taken = Page.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True))
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def _check_title_free(title: str, exclude_pk: int | None = None) -> None:
    clash = Page.objects.filter(key=match_key(title))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    other = clash.first()
    if other:
        raise ValidationError(
            f"A page called “{other.title}” already exists; titles that differ only in case "
            "or punctuation name the same page.",
            code="duplicate",
        )


# ---------------------------------------------------------------- links


def _link_row(link) -> tuple:
    return (link.kind, link.key[:220], link.text[:200], link.target_pk, link.resolved)


def _store_links(page: Page, rendered: Rendered) -> None:
    """Make the page's PageLink rows match its rendered links, touching only the rows
    that differ (an edit that keeps its links writes none)."""
    stored = {
        (kind, key, text, target, resolved): pk
        for pk, kind, key, text, target, resolved in PageLink.objects.filter(
            source=page
        ).values_list("pk", "kind", "target_key", "target_text", "target_id", "resolved")
    }
    wanted = {_link_row(link) for link in rendered.links}
    stale = [pk for row, pk in stored.items() if row not in wanted]
    if stale:
        PageLink.objects.filter(pk__in=stale).delete()
    PageLink.objects.bulk_create(
        PageLink(
            source=page,
            kind=kind,
            target_key=key,
            target_text=text,
            target_id=target,
            resolved=resolved,
        )
        for kind, key, text, target, resolved in wanted
        if (kind, key, text, target, resolved) not in stored
    )
    before = {row[3] for row in stored if row[3] is not None}
    after = {row[3] for row in wanted if row[3] is not None}
    changed = (before ^ after) - {page.pk}
    if changed:
        page_links_changed.send(sender=Page, source_id=page.pk, target_ids=changed)


_deferred = threading.local()


@contextlib.contextmanager
def deferred_relinking() -> Iterator[None]:
    """Collect pages to re-render and do each once at the end (bulk import)."""
    outer = getattr(_deferred, "pending", None)
    if outer is not None:
        yield
        return
    _deferred.pending = set()
    try:
        yield
        pending, _deferred.pending = _deferred.pending, None
        rerender_pages(pending)
    finally:
        _deferred.pending = None


def _relink(source_ids: set[int]) -> None:
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending.update(source_ids)
    else:
        rerender_pages(source_ids)


def rerender_pages(page_ids: Iterable[int]) -> int:
    """Re-render the current revision of these pages with today's link targets."""
    count = 0
    ids = sorted(set(page_ids))
    for start in range(0, len(ids), 500):
        # One transaction a chunk: outside a save (the deferred pass at the end of an
        # import) each page's outbox row would otherwise drain in its own index commit.
        with transaction.atomic():
            count += _rerender_chunk(ids[start : start + 500])
    return count


def _rerender_chunk(ids: list[int]) -> int:
    count = 0
    for page in Page.objects.filter(pk__in=ids).select_related("current_revision"):
        rendered = render(page.body)
        if page.current_revision is not None:
            Revision.objects.filter(pk=page.current_revision_id).update(html=rendered.html)
        _store_links(page, rendered)
        # Its links changed (not its text): listeners such as the search index refresh.
        page_saved.send(sender=Page, page=page, created=False)
        count += 1
    return count


def _pages_wanting(keys: set[str], *, kind: str = PageLink.PAGE) -> set[int]:
    return set(
        PageLink.objects.filter(kind=kind, target_key__in=keys).values_list("source_id", flat=True)
    )


def _targets_changed(keys: set[str], *, kind: str = PageLink.PAGE, exclude=frozenset()) -> None:
    """Link targets named by these keys appeared, moved or went away: re-render the pages
    naming them (but `exclude`), and tell other apps, whose own texts may name them too."""
    keys = {k for k in keys if k}
    if not keys:
        return
    _relink(_pages_wanting(keys, kind=kind) - set(exclude))
    link_targets_changed.send(sender=Page, kind=kind, keys=keys)


def links_changed(*, kind: str, keys: Iterable[str]) -> None:
    """Another app's link target appeared, moved or went away: refresh the pages naming it."""
    _targets_changed(set(keys), kind=kind)


# ---------------------------------------------------------------- writes


@dataclass(frozen=True)
class PageInput:
    title: str
    body: str
    summary: str = ""
    tags: tuple[str, ...] = ()


@transaction.atomic
def page_create(
    *,
    title: str,
    body: str,
    summary: str = "",
    tags: str | Iterable[str] = (),
    author=None,
    comment: str = "",
    slug: str | None = None,
) -> Page:
    title = validate_title(title)
    body = validate_body(body)
    tag_names = parse_tags(tags)
    _check_title_free(title)
    page = Page(title=title, slug=_unique_slug(title, slug), body=body, summary=summary.strip())
    page.full_clean(exclude=["key", "slug_key"])
    page.save()
    _commit_revision(page, number=1, author=author, comment=comment or "Created")
    _set_tags(page, tag_names)
    _targets_changed({page.key, page.slug_key}, exclude={page.pk})
    page_saved.send(sender=Page, page=page, created=True)
    return page


@transaction.atomic
def page_update(
    *,
    page: Page,
    body: str,
    title: str | None = None,
    summary: str | None = None,
    tags: str | Iterable[str] | None = None,
    author=None,
    comment: str = "",
    base_revision: int | None = None,
) -> Page:
    """Save a new revision. With base_revision, refuse (EditConflict) if the page moved on."""
    body = validate_body(body)
    new_title = validate_title(title) if title is not None else page.title
    tag_names = parse_tags(tags) if tags is not None else None
    fresh = Page.objects.select_related("current_revision").get(pk=page.pk)
    if base_revision is not None and fresh.revision_number != base_revision:
        raise EditConflict(fresh, base_revision, fresh.current_revision)
    unchanged = (
        body == fresh.body
        and new_title == fresh.title
        and (summary is None or summary.strip() == fresh.summary)
        and (
            tag_names is None
            or {t.casefold() for t in tag_names}
            == {t.casefold() for t in fresh.tags.values_list("name", flat=True)}
        )
    )
    if unchanged and fresh.current_revision_id:
        return fresh
    if new_title != fresh.title:
        _check_title_free(new_title, exclude_pk=fresh.pk)
    # Compare-and-set: of two editors who started from the same revision, one wins here
    # and the other finds zero rows (the database serializes the UPDATE), never both.
    claimed = Page.objects.filter(pk=fresh.pk, revision_number=fresh.revision_number).update(
        revision_number=F("revision_number") + 1
    )
    if not claimed:
        fresh.refresh_from_db()
        raise EditConflict(fresh, base_revision or fresh.revision_number, fresh.current_revision)
    old_keys = {fresh.key, fresh.slug_key}
    fresh.title = new_title
    fresh.body = body
    if summary is not None:
        fresh.summary = summary.strip()
    fresh.revision_number += 1
    fresh.full_clean(exclude=["key", "slug_key", "current_revision"])
    fresh.save()
    _commit_revision(fresh, number=fresh.revision_number, author=author, comment=comment)
    if tag_names is not None:
        _set_tags(fresh, tag_names)
    if fresh.key not in old_keys:
        _targets_changed(old_keys | {fresh.key}, exclude={fresh.pk})
    page_saved.send(sender=Page, page=fresh, created=False)
    return fresh


def _commit_revision(page: Page, *, number: int, author, comment: str) -> Revision:
    rendered = render(page.body)
    revision = Revision.objects.create(
        page=page,
        number=number,
        title=page.title,
        body=page.body,
        author=author,
        comment=comment[:300],
        html=rendered.html,
    )
    Page.objects.filter(pk=page.pk).update(current_revision=revision, revision_number=number)
    page.current_revision = revision
    page.revision_number = number
    _store_links(page, rendered)
    return revision


def page_revert(*, page: Page, number: int, author=None, base_revision: int | None = None) -> Page:
    """Restore an old revision's text and title as a new revision (history stays)."""
    old = page.revisions.get(number=number)
    return page_update(
        page=page,
        body=old.body,
        title=old.title,
        author=author,
        comment=f"Reverted to revision {number}",
        base_revision=base_revision,
    )


@transaction.atomic
def page_delete(*, page: Page) -> None:
    keys = {page.key, page.slug_key}
    pk, slug = page.pk, page.slug
    linked = set(
        PageLink.objects.filter(source=page, target__isnull=False).values_list(
            "target_id", flat=True
        )
    ) - {pk}
    page.delete()
    if linked:
        page_links_changed.send(sender=Page, source_id=pk, target_ids=linked)
    _targets_changed(keys)  # the links naming it stay (target emptied): they turn red
    page_deleted.send(sender=Page, page_id=pk, slug=slug)


@transaction.atomic
def page_ensure_rendered(page: Page) -> Page:
    """Give a raw-loaded page (loaddata) its revision, HTML and links, once."""
    page = (
        Page.objects.select_for_update(of=("self",))
        .select_related("current_revision")
        .get(pk=page.pk)
    )
    current = page.current_revision
    if current is not None and current.html and current.body == page.body:
        return page
    latest = page.revisions.order_by("-number").first()
    if latest is not None and latest.body == page.body and latest.title == page.title:
        rendered = render(page.body)
        latest.html = rendered.html
        latest.save(update_fields=["html"])
        Page.objects.filter(pk=page.pk).update(
            current_revision=latest, revision_number=latest.number
        )
        page.current_revision, page.revision_number = latest, latest.number
        _store_links(page, rendered)
    else:
        _commit_revision(
            page,
            number=(latest.number + 1) if latest else 1,
            author=None,
            comment="Loaded from fixtures",
        )
    _targets_changed({page.key, page.slug_key}, exclude={page.pk})
    page_saved.send(sender=Page, page=page, created=latest is None)
    return page


def pages_ensure_rendered() -> int:
    """Render every page that has no up-to-date current revision. Returns how many."""
    stale = Page.objects.filter(
        Q(current_revision__isnull=True) | Q(current_revision__html="")
    ).values_list("pk", flat=True)
    count = 0
    with deferred_relinking():
        for pk in list(stale):
            page_ensure_rendered(Page.objects.get(pk=pk))
            count += 1
    return count


# ---------------------------------------------------------------- bulk (import)
#
# A bulk import creates its new pages in two passes so that each is rendered once: first
# the rows (validated like page_create, inserted a batch at a time, no revision yet), then,
# once every title of the import exists, each page's first revision — rendered in worker
# processes, written a chunk per transaction. Between the passes a new page is in the state
# loaddata leaves a page in: a reader who opens it renders it on the spot
# (page_ensure_rendered), and the second pass then leaves it alone.


@dataclass(frozen=True)
class NewPage:
    """A validated page, ready to insert (see prepare_new_page)."""

    title: str
    slug: str
    body: str
    summary: str
    tags: tuple[str, ...]


def prepare_new_page(
    *,
    title: str,
    body: str,
    summary: str = "",
    tags: str | Iterable[str] = (),
    slug: str | None = None,
    taken_slugs: set[str] = frozenset(),
    title_taken: bool | None = None,
    base_slug_taken: bool | None = None,
) -> NewPage:
    """page_create's checks, without writing. Raises ValidationError.

    A bulk caller that has already looked up, for a whole batch, whether the title's key
    and the slug's base exist passes title_taken and base_slug_taken (no query then);
    taken_slugs are slugs given to earlier pages of the same batch."""
    title = validate_title(title)
    body = validate_body(body)
    tag_names = parse_tags(tags)
    if title_taken is None or title_taken:
        _check_title_free(title)
    unique = slug_base(title, slug) if base_slug_taken is False else _unique_slug(title, slug)
    if unique in taken_slugs:  # taken by an earlier page of the same batch
        base, n = unique, 2
        while f"{base}-{n}" in taken_slugs:
            n += 1
        unique = f"{base}-{n}"
    page = Page(title=title, slug=unique, body=body, summary=summary.strip())
    page.full_clean(exclude=["key", "slug_key"], validate_unique=False, validate_constraints=False)
    return NewPage(page.title, page.slug, page.body, page.summary, tuple(tag_names))


def pages_insert(items: list[NewPage]) -> list[Page]:
    """Insert prepared pages and their tags in bulk, without revisions (see above).

    Raises IntegrityError if another writer took a title or slug meanwhile; the caller's
    transaction then holds nothing of the batch."""
    pages = [Page(title=i.title, slug=i.slug, body=i.body, summary=i.summary) for i in items]
    for page in pages:
        page.refresh_keys()  # bulk_create sends no pre_save
    with transaction.atomic():
        Page.objects.bulk_create(pages)
        _bulk_set_tags([(page, item.tags) for page, item in zip(pages, items, strict=True)])
    return pages


def _bulk_set_tags(pairs: list[tuple[Page, tuple[str, ...]]]) -> None:
    names = {name.casefold(): name for _, tags in pairs for name in tags}
    if not names:
        return
    tags = {}
    for tag in Tag.objects.all().only("pk", "name"):
        if tag.name.casefold() in names:
            tags[tag.name.casefold()] = tag
    for folded, name in names.items():
        if folded not in tags:
            tags[folded] = Tag.objects.create(name=name, slug=_unique_tag_slug(name))
    Through = Page.tags.through
    Through.objects.bulk_create(
        Through(page_id=page.pk, tag_id=tags[name.casefold()].pk)
        for page, names_ in pairs
        for name in names_
    )


def pages_render_new(
    page_ids: Iterable[int],
    *,
    author=None,
    comment: str = "",
    chunk: int = 200,
    workers: int | None = None,
    progress=None,
) -> int:
    """Give pages inserted by pages_insert their first revision: render (in worker
    processes), store HTML, links and the revision, a chunk per transaction. Pages that
    got a revision meanwhile (opened by a reader, edited) are skipped. Then re-render the
    older pages that were waiting for these titles. Returns how many pages it rendered."""
    ids = sorted(set(page_ids))
    done = 0
    with deferred_relinking():
        window = chunk * 10  # bodies held in memory at once
        for start in range(0, len(ids), window):
            todo = list(
                Page.objects.filter(pk__in=ids[start : start + window], revision_number=0)
                .order_by("pk")
                .values_list("pk", "body")
            )
            rendered: list[tuple[int, Rendered]] = []
            for pk, result in render_many(todo, workers=workers):
                rendered.append((pk, result))
                if len(rendered) >= chunk:
                    done += _store_first_revisions(rendered, author, comment)
                    if progress:
                        progress(len(rendered))
                    rendered = []
            if rendered:
                done += _store_first_revisions(rendered, author, comment)
                if progress:
                    progress(len(rendered))
        # The older pages (and other apps' texts) that were waiting for these titles.
        pairs = Page.objects.filter(pk__in=ids).values_list("key", "slug_key").distinct()
        keys = sorted({k for pair in pairs for k in pair})
        for start in range(0, len(keys), 500):
            _targets_changed(set(keys[start : start + 500]), exclude=set(ids))
    return done


def _store_first_revisions(rendered: list[tuple[int, Rendered]], author, comment: str) -> int:
    with transaction.atomic():
        results = dict(rendered)
        # Claim: only pages still without a revision, and with the body that was rendered
        # (revision_number 0 means nobody has saved them since they were inserted).
        pages = {
            page.pk: page
            for page in Page.objects.select_for_update()
            .filter(pk__in=list(results), revision_number=0, current_revision__isnull=True)
            .only("pk", "title", "slug", "body", "key", "slug_key", "summary")
        }
        if not pages:
            return 0
        revisions = Revision.objects.bulk_create(
            Revision(
                page_id=pk,
                number=1,
                title=page.title,
                body=page.body,
                author=author,
                comment=(comment or "Created")[:300],
                html=results[pk].html,
            )
            for pk, page in pages.items()
        )
        for revision in revisions:
            page = pages[revision.page_id]
            page.current_revision = revision
            page.revision_number = 1
        Page.objects.bulk_update(list(pages.values()), ["current_revision", "revision_number"])
        PageLink.objects.bulk_create(
            PageLink(
                source_id=pk,
                kind=link.kind,
                target_key=link.key[:220],
                target_text=link.text[:200],
                target_id=link.target_pk,
                resolved=link.resolved,
            )
            for pk in pages
            for link in results[pk].links
        )
        for pk, page in pages.items():
            targets = {link.target_pk for link in results[pk].links if link.target_pk} - {pk}
            if targets:
                page_links_changed.send(sender=Page, source_id=pk, target_ids=targets)
            page_saved.send(sender=Page, page=page, created=True)
    return len(pages)
