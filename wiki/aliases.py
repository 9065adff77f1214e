"""Other names of pages: aliases, and the redirects they make.

A page can answer to names besides its title and slug — the old title and slug a rename
leaves behind (kept by wiki/services.py), and names editors give it ("Starlite" for
Litestar). ``[[Starlite]]`` then links to Litestar (wiki/links.py looks aliases up after
titles and slugs) and ``/wiki/starlite/`` answers 301 to ``/wiki/litestar/?from=starlite``,
where the page says "redirected from Starlite".

One name, one page: an alias may not be another page's title, slug or alias, nor the
page's own title or slug (a redirect to itself). Aliases point straight at a page, never
at another alias, so a chain of redirects cannot be made through here; what can still go
wrong — a page in the recycle bin keeps its aliases (broken redirects), or two writers
racing give one name to two pages (double redirects) — is listed by :func:`problems`
for editors (``/wiki/_redirects/``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core import changes
from wiki.models import Page, PageAlias, PageLink
from wiki.naming import match_key, validate_title

MAX_ALIASES = 50


def parse_names(text: str | Iterable[str]) -> list[str]:
    """One name a line (or an iterable of names) → the names, cleaned like titles and
    deduplicated by key. Raises ValidationError naming every bad one."""
    items = text.splitlines() if isinstance(text, str) else list(text)
    names: dict[str, str] = {}
    problems: list[str] = []
    for raw in items:
        if not str(raw).strip():
            continue
        try:
            name = validate_title(str(raw))
        except ValidationError as exc:
            problems.append(f"“{str(raw).strip()[:60]}”: {' '.join(exc.messages)}")
            continue
        names.setdefault(match_key(name), name)
    if len(names) > MAX_ALIASES:
        problems.append(f"A page takes at most {MAX_ALIASES} other names ({len(names)} given).")
    if problems:
        raise ValidationError(problems, code="invalid_alias")
    return list(names.values())


def clash(name: str, page: Page | None) -> str | None:
    """Why `name` cannot be another name of `page` (None when it can). Pages in the
    recycle bin keep their aliases (they come back with a restore), so those count."""
    key = match_key(name)
    if page is not None and page.pk and key in {page.key, page.slug_key}:
        return (
            f"“{name}” is already this page's title or address: "
            "an alias to itself would be a redirect loop."
        )
    other = Page.objects.filter(Q(key=key) | Q(slug_key=key))
    if page is not None and page.pk:
        other = other.exclude(pk=page.pk)
    found = other.only("title").first()
    if found is not None:
        return f"“{name}” is the title of another page, “{found.title}”."
    alias = PageAlias.objects.filter(key=key).select_related("page").first()
    if alias is not None and (page is None or alias.page_id != page.pk):
        where = " (in the recycle bin)" if alias.page.deleted else ""
        return f"“{name}” is already another name of “{alias.page.title}”{where}."
    return None


def check_title_not_alias(title: str, exclude_pk: int | None = None) -> None:
    """A page's title may not be another page's alias (the services call this for new
    titles and renames; a page may take back one of its own old names)."""
    alias = PageAlias.objects.filter(key=match_key(title)).select_related("page").first()
    if alias is not None and alias.page_id != exclude_pk:
        where = ", which is in the recycle bin" if alias.page.deleted else ""
        raise ValidationError(
            f"“{title}” is another name of the page “{alias.page.title}”{where}: links "
            "and addresses using it lead there. Remove it from that page's other names "
            "first, or pick another title.",
            code="duplicate",
        )


def validate_for(page: Page | None, names: list[str]) -> None:
    problems = [message for name in names if (message := clash(name, page))]
    if problems:
        raise ValidationError(problems, code="alias_clash")


def set_page_aliases(*, page: Page, names: str | Iterable[str]) -> list[PageAlias]:
    """Make the page's other names exactly these (the admin's "Other names" field).
    Links naming an added or removed name render again."""
    cleaned = parse_names(names)
    validate_for(page, cleaned)
    wanted = {match_key(n): n for n in cleaned}
    with transaction.atomic():
        current = {a.key: a for a in PageAlias.objects.filter(page=page)}
        gone = [a.pk for key, a in current.items() if key not in wanted]
        PageAlias.objects.filter(pk__in=gone).delete()
        renamed = [
            PageAlias(pk=current[key].pk, page=page, name=name, key=key)
            for key, name in wanted.items()
            if key in current and current[key].name != name
        ]
        PageAlias.objects.bulk_update(renamed, ["name"])
        PageAlias.objects.bulk_create(
            PageAlias(page=page, name=name, key=key)
            for key, name in wanted.items()
            if key not in current
        )
        moved = set(wanted) ^ set(current)
        if moved or renamed:
            changes.record(
                changed=[page],
                targets=[(PageLink.PAGE, key) for key in moved],
                collections=["wiki"],
            )
    return list(PageAlias.objects.filter(page=page))


def keep_old_names(page: Page, *, old_title: str, old_slug: str) -> set[str]:
    """Called in a rename's transaction, once the page has its new title and slug: its
    old title and slug become aliases, and any alias naming the new title or slug goes
    (renaming back is not a loop). Returns the keys whose target changed."""
    own = {page.key, page.slug_key}
    dropped = set(PageAlias.objects.filter(page=page, key__in=own).values_list("key", flat=True))
    PageAlias.objects.filter(page=page, key__in=own).delete()
    added: set[str] = set()
    for name in (old_title, old_slug):
        key = match_key(name)
        if not key or key in own or key in added:
            continue
        if PageAlias.objects.filter(key=key).exists():
            continue
        PageAlias.objects.create(page=page, name=name, key=key)
        added.add(key)
    return added | dropped


def alias_keys(page_id: int) -> set[str]:
    return set(PageAlias.objects.filter(page_id=page_id).values_list("key", flat=True))


def redirect_for(segment: str) -> tuple[Page, PageAlias] | None:
    """The live page a URL segment names through an alias, with that alias."""
    key = match_key(segment)
    if not key:
        return None
    alias = (
        PageAlias.objects.filter(key=key, page__deleted__isnull=True).select_related("page").first()
    )
    if alias is None or alias.page.slug == segment:
        return None
    return alias.page, alias


def redirected_from(page: Page, name: str) -> PageAlias | None:
    """The alias of this page that `name` (the ?from= of a redirect) names, if any: the
    page shows the alias as stored, never what the query string says."""
    key = match_key(name or "")
    if not key:
        return None
    return PageAlias.objects.filter(page=page, key=key).first()


# ---------------------------------------------------------------- the editors' report


@dataclass
class Problem:
    alias: PageAlias
    kind: str  # "broken" or "double"
    why: str


def problems() -> list[Problem]:
    """Broken redirects (the alias's page is in the recycle bin) and double ones (the
    alias's name is also another live page's title or slug, so the name leads elsewhere
    and the alias is never followed)."""
    found: list[Problem] = []
    broken = PageAlias.objects.filter(page__deleted__isnull=False).select_related("page")
    for alias in broken.order_by("key"):
        found.append(Problem(alias, "broken", f"“{alias.page.title}” is in the recycle bin."))
    keys = PageAlias.objects.filter(page__deleted__isnull=True).values("key")
    shadowing = Page.objects.filter(Q(key__in=keys) | Q(slug_key__in=keys)).only(
        "title", "key", "slug_key", "slug"
    )
    by_key: dict[str, Page] = {}
    for page in shadowing:
        by_key.setdefault(page.key, page)
        by_key.setdefault(page.slug_key, page)
    doubles = PageAlias.objects.filter(key__in=list(by_key), page__deleted__isnull=True)
    for alias in doubles.select_related("page").order_by("key"):
        other = by_key[alias.key]
        if other.pk == alias.page_id:
            why = f"“{alias.name}” is also the page's own title or address."
        else:
            why = f"“{alias.name}” is also the title or address of “{other.title}”."
        found.append(Problem(alias, "double", why))
    return found
