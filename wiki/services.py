"""Every write to the wiki goes through here: admin, import, revert, fixture loading.

A save renders the body first — outside any transaction, in bounded time
(wiki/render.py) — then, in one short transaction, claims the next revision number
(compare-and-set), writes the revision with its HTML, makes the page's PageLink rows
match, and ends with one :func:`core.changes.record` saying what changed. That call
bumps the versions of what readers see changed (the page, the pages whose backlinks
changed), and through the apps' followers queues the follow-up work in the outbox:
indexing, and re-rendering the pages that name a title which appeared, moved or went
away (wiki/relink.py). That work is done after the commit, never inside the save.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.text import slugify

from core import changes, outbox
from wiki.markup import Rendered
from wiki.models import Page, PageLink, Revision, Tag
from wiki.naming import match_key, slug_for, validate_title
from wiki.render import render, render_many, targets_moved_since

COLLECTION = "wiki"
RENDER_TOPIC = "wiki.render"
MAX_TAGS = 20


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
    """'Async, micro , async' → ['Async', 'micro'] (deduplicated case-insensitively), at
    most MAX_TAGS of them."""
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
    if len(seen) > MAX_TAGS:
        raise ValidationError(
            f"A page takes at most {MAX_TAGS} tags ({len(seen)} given).", code="too_many_tags"
        )
    return list(seen.values())


def _tags_for(names: list[str]) -> list[Tag]:
    """The Tag rows for these names, created where missing: one query to find them and
    one to find the slugs new ones would clash with, whatever the number."""
    if not names:
        return []
    existing = {
        t.name.casefold(): t
        for t in Tag.objects.filter(Q.create([("name__iexact", n) for n in names], connector=Q.OR))
    }
    missing = [n for n in names if n.casefold() not in existing]
    if missing:
        bases = {n: slugify(n, allow_unicode=True)[:60] for n in missing}
        taken = set(
            Tag.objects.filter(
                Q.create([("slug__startswith", b) for b in set(bases.values())], connector=Q.OR)
            ).values_list("slug", flat=True)
        )
        for name in missing:
            slug, n = bases[name], 2
            while slug in taken:
                slug, n = f"{bases[name]}-{n}", n + 1
            taken.add(slug)
            existing[name.casefold()] = Tag.objects.create(name=name, slug=slug)
    return [existing[n.casefold()] for n in names]


def _set_tags(page: Page, names: list[str]) -> None:
    page.tags.set(_tags_for(names))


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


@dataclass
class LinkChanges:
    """What making a page's PageLink rows match its render changed."""

    pages: set[int]  # pages that gained or lost a link from it (their backlinks changed)
    prefixed: set[tuple[str, str]]  # prefixed targets ([[framework:x]]) gained or lost
    any: bool = False


def _store_links(page: Page, rendered: Rendered) -> LinkChanges:
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
    prefixed = {(r[0], r[1]) for r in set(stored) ^ wanted if r[0] != PageLink.PAGE}
    return LinkChanges(
        pages=(before ^ after) - {page.pk}, prefixed=prefixed, any=set(stored) != wanted
    )


def _record(
    page: Page,
    links: LinkChanges,
    *,
    targets: Iterable[str] = (),
    stale: bool = False,
    fresh: bool = True,
) -> None:
    """The change step of a page write (core/changes.py)."""
    if stale:
        Page.objects.filter(pk=page.pk).update(needs_render=True)
        outbox.enqueue(RENDER_TOPIC, [str(page.pk)])
    changes.record(
        changed=[page],
        shown=[(Page._meta.label_lower, pk) for pk in links.pages],
        targets=[(PageLink.PAGE, key) for key in targets],
        linked=links.prefixed,
        fresh=[page] if fresh and not stale else [],
        collections=[COLLECTION],
    )


# ---------------------------------------------------------------- writes


def _integrity_error(exc: IntegrityError, title: str) -> ValidationError:
    """Another editor took the title or slug between our check and our insert."""
    return ValidationError(
        f"A page called “{title}” was created by someone else a moment ago; "
        "your text is kept — save it under another title, or edit that page.",
        code="duplicate",
    )


def page_create(
    *,
    title: str,
    body: str,
    summary: str = "",
    tags: str | Iterable[str] = (),
    author=None,
    comment: str = "",
    slug: str | None = None,
    rendered: Rendered | None = None,
) -> Page:
    """Create a page. `rendered`: its body already rendered by the caller, outside any
    transaction (the admin does that before it opens its own)."""
    title = validate_title(title)
    body = validate_body(body)
    tag_names = parse_tags(tags)
    _check_title_free(title)
    if rendered is None:
        rendered = render(body)  # before the transaction: never under the write lock
    try:
        with transaction.atomic(savepoint=False):
            _check_title_free(title)
            page = Page(
                title=title, slug=_unique_slug(title, slug), body=body, summary=summary.strip()
            )
            page.full_clean(exclude=["key", "slug_key"])
            page.save()
            links = _commit_revision(
                page, rendered, number=1, author=author, comment=comment or "Created"
            )
            _set_tags(page, tag_names)
            _record(
                page,
                links,
                targets={page.key, page.slug_key},
                stale=targets_moved_since(rendered),
            )
    except IntegrityError as exc:
        raise _integrity_error(exc, title) from exc
    return page


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
    rendered: Rendered | None = None,
) -> Page:
    """Save a new revision. With base_revision, refuse (EditConflict) if the page moved on.
    `rendered`: as for page_create."""
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
    if rendered is None:
        rendered = render(body)  # before the transaction: never under the write lock
    try:
        # No savepoint inside an outer transaction (the admin's): a failure here fails
        # the whole request's transaction, which the admin then shows as a form error.
        with transaction.atomic(savepoint=False):
            return _write_update(
                fresh, rendered, body, new_title, summary, tag_names, author, comment, base_revision
            )
    except IntegrityError as exc:
        raise _integrity_error(exc, new_title) from exc


def _write_update(
    fresh: Page,
    rendered: Rendered,
    body: str,
    new_title: str,
    summary: str | None,
    tag_names: list[str] | None,
    author,
    comment: str,
    base_revision: int | None,
) -> Page:
    # Compare-and-set: of two editors who started from the same revision, one wins here
    # and the other finds zero rows (the database serializes the UPDATE), never both.
    claimed = Page.objects.filter(pk=fresh.pk, revision_number=fresh.revision_number).update(
        revision_number=F("revision_number") + 1
    )
    if not claimed:
        fresh.refresh_from_db()
        raise EditConflict(fresh, base_revision or fresh.revision_number, fresh.current_revision)
    if new_title != fresh.title:
        _check_title_free(new_title, exclude_pk=fresh.pk)
    old_keys = {fresh.key, fresh.slug_key}
    fresh.title = new_title
    fresh.body = body
    if summary is not None:
        fresh.summary = summary.strip()
    fresh.revision_number += 1
    fresh.needs_render = False
    # Uniqueness was checked above (_check_title_free) and the slug does not change; the
    # database's constraints stand behind both.
    fresh.full_clean(
        exclude=["key", "slug_key", "current_revision"],
        validate_unique=False,
        validate_constraints=False,
    )
    fresh.current_revision = _new_revision(
        fresh, rendered, number=fresh.revision_number, author=author, comment=comment
    )
    fresh.save()  # with its new current revision, in one UPDATE
    links = _store_links(fresh, rendered)
    if tag_names is not None:
        current = {t.casefold() for t in fresh.tags.values_list("name", flat=True)}
        if current != {t.casefold() for t in tag_names}:
            _set_tags(fresh, tag_names)
    moved = old_keys | {fresh.key} if fresh.key not in old_keys else set()
    _record(fresh, links, targets=moved, stale=targets_moved_since(rendered))
    return fresh


def _new_revision(page: Page, rendered: Rendered, *, number: int, author, comment: str) -> Revision:
    return Revision.objects.create(
        page=page,
        number=number,
        title=page.title,
        body=page.body,
        author=author,
        comment=comment[:300],
        html=rendered.html,
    )


def _commit_revision(
    page: Page, rendered: Rendered, *, number: int, author, comment: str
) -> LinkChanges:
    revision = _new_revision(page, rendered, number=number, author=author, comment=comment)
    Page.objects.filter(pk=page.pk).update(current_revision=revision, revision_number=number)
    page.current_revision = revision
    page.revision_number = number
    return _store_links(page, rendered)


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
    pk = page.pk
    linked = set(
        PageLink.objects.filter(source=page, target__isnull=False).values_list(
            "target_id", flat=True
        )
    ) - {pk}
    prefixed = set(
        PageLink.objects.filter(source=page)
        .exclude(kind=PageLink.PAGE)
        .values_list("kind", "target_key")
    )
    # The links naming it stay (target emptied): they turn red when their pages are
    # re-rendered (wiki/relink.py), and show as wanted at once.
    PageLink.objects.filter(target_id=pk).update(target=None, resolved=False)
    page.delete()
    changes.record(
        removed=[(Page._meta.label_lower, pk)],
        shown=[(Page._meta.label_lower, t) for t in linked],
        targets=[(PageLink.PAGE, key) for key in keys],
        linked=prefixed,
        collections=[COLLECTION],
    )


def tag_save(*, tag: Tag) -> Tag:
    """Create or rename a tag (the admin): the pages showing it change."""
    tag.full_clean()
    with transaction.atomic():
        tag.save()
        pages = list(tag.pages.values_list("pk", flat=True))
        label = Page._meta.label_lower
        changes.record(shown=[(label, pk) for pk in pages], collections=[COLLECTION])
    return tag


def tag_delete(*, tag: Tag) -> None:
    with transaction.atomic():
        pages = list(tag.pages.values_list("pk", flat=True))
        tag.delete()
        label = Page._meta.label_lower
        changes.record(shown=[(label, pk) for pk in pages], collections=[COLLECTION])


# ---------------------------------------------------------------- re-rendering


def rerender_pages(page_ids: Iterable[int]) -> int:
    """Render the current revision of these pages again with today's link targets, each
    before its own short transaction; a page that changed while it rendered is left
    marked for another round. Returns how many were stored."""
    done = 0
    for pk in sorted(set(page_ids)):
        done += rerender_page(pk)
    return done


def rerender_page(pk: int) -> bool:
    row = (
        Page.objects.filter(pk=pk)
        .values_list("body", "revision_number", "version", "current_revision_id")
        .first()
    )
    if row is None:
        return False
    body, number, version, revision_id = row
    rendered = render(body)
    with transaction.atomic():
        # Compare-and-set on the version read: anything that changed the page meanwhile
        # (an edit, another target moving) leaves it for that change's own render.
        if not Page.objects.filter(pk=pk, version=version, revision_number=number).update(
            needs_render=False
        ):
            if Page.objects.filter(pk=pk, needs_render=True).exists():
                outbox.enqueue(RENDER_TOPIC, [str(pk)])  # another round
            return False
        page = Page.objects.get(pk=pk)
        if revision_id is not None:
            Revision.objects.filter(pk=revision_id).update(html=rendered.html)
            links = _store_links(page, rendered)
        else:
            links = _adopt_or_create_revision(page, rendered)
        _record(page, links, stale=targets_moved_since(rendered))
    return True


def _adopt_or_create_revision(page: Page, rendered: Rendered) -> LinkChanges:
    """A page row loaded raw has no current revision. Loading the same fixture again
    leaves its history in place: the latest revision, if it holds this text, becomes
    current again; otherwise the text is the next revision."""
    latest = page.revisions.order_by("-number").first()
    if latest is None or latest.body != page.body or latest.title != page.title:
        number = (latest.number if latest else 0) + 1
        return _commit_revision(page, rendered, number=number, author=None, comment="Created")
    Revision.objects.filter(pk=latest.pk).update(html=rendered.html)
    Page.objects.filter(pk=page.pk).update(current_revision=latest, revision_number=latest.number)
    page.current_revision, page.revision_number = latest, latest.number
    return _store_links(page, rendered)


def page_ensure_rendered(page: Page) -> Page:
    """A page loaded raw (loaddata, a bulk insert) or marked for re-rendering: render and
    store it now, as its first view does."""
    if page.needs_render or page.current_revision_id is None or not page.html:
        rerender_page(page.pk)
        page = Page.objects.with_current().get(pk=page.pk)
    return page


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
    tags = {tag.name.casefold(): tag for tag in _tags_for(list(names.values()))}
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
    got a revision meanwhile (opened by a reader, edited) are skipped. The older pages
    and texts that were waiting for these titles are queued for re-rendering; the pages
    of the import are not (they were rendered with every title known). Returns how many
    pages it rendered."""
    ids = sorted(set(page_ids))
    done = 0
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
                done += _store_first_revisions(rendered, author, comment, ids)
                if progress:
                    progress(len(rendered))
                rendered = []
        if rendered:
            done += _store_first_revisions(rendered, author, comment, ids)
            if progress:
                progress(len(rendered))
    return done


def _store_first_revisions(
    rendered: list[tuple[int, Rendered]], author, comment: str, imported: list[int]
) -> int:
    with transaction.atomic():
        results = dict(rendered)
        # Claim: only pages still without a revision, and with the body that was rendered
        # (revision_number 0 means nobody has saved them since they were inserted).
        pages = {
            page.pk: page
            for page in Page.objects.select_for_update()
            .filter(pk__in=list(results), revision_number=0, current_revision__isnull=True)
            .only("pk", "title", "slug", "body", "key", "slug_key", "summary", "version")
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
        backlinked = {
            link.target_pk
            for pk in pages
            for link in results[pk].links
            if link.target_pk and link.target_pk != pk
        }
        label = Page._meta.label_lower
        changes.record(
            changed=list(pages.values()),
            shown=[(label, pk) for pk in backlinked],
            # The titles now exist: pages and texts outside this import that name them.
            targets=[
                (PageLink.PAGE, key) for page in pages.values() for key in (page.key, page.slug_key)
            ],
            linked={
                (link.kind, link.key)
                for pk in pages
                for link in results[pk].links
                if link.kind != PageLink.PAGE
            },
            fresh=[(label, pk) for pk in imported],
            collections=[COLLECTION],
        )
    return len(pages)
