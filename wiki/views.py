"""Wiki views. Thin: reads come from selectors, writes go through services (via the admin)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from wiki import selectors, snapshots
from wiki.diff import diff_texts
from wiki.models import Page, Revision, Tag
from wiki.naming import match_key
from wiki.services import page_ensure_rendered


def _paginate(request: HttpRequest, items, per_page: int | None = None):
    paginator = Paginator(items, per_page or settings.WIKI_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _create_url(title: str) -> str:
    return reverse("admin:wiki_page_add") + "?" + urlencode({"title": title})


def _get_page(slug: str) -> Page:
    page = Page.objects.with_current().filter(slug=slug).first()
    if page is None:
        raise Http404(slug)
    if page.current_revision is None or not page.current_revision.html:
        # Loaded raw (loaddata) and not rendered yet: render and store once.
        page = page_ensure_rendered(page)
        page = Page.objects.with_current().get(pk=page.pk)
    return page


@require_safe
def front_page(request: HttpRequest) -> HttpResponse:
    front = Page.objects.with_current().filter(key=match_key(settings.WIKI_FRONT_PAGE)).first()
    if front is not None and (front.current_revision is None or not front.current_revision.html):
        front = _get_page(front.slug)
    context = {
        "front": front,
        "recent": selectors.recent_revisions()[:10],
        "page_count": Page.objects.count(),
        "tags": Tag.objects.annotate(n=Count("pages")).filter(n__gt=0).order_by("-n", "name")[:20],
    }
    return render(request, "wiki/front.html", context)


@require_safe
def page_list(request: HttpRequest) -> HttpResponse:
    pages = Page.objects.only("title", "slug", "summary", "updated").order_by("title")
    letter = request.GET.get("letter", "")[:1].upper()
    if letter:
        pages = pages.filter(title__istartswith=letter)
    page_obj = _paginate(request, pages)
    return render(
        request,
        "wiki/page_list.html",
        {
            "page_obj": page_obj,
            "letter": letter,
            "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "total": page_obj.paginator.count,
        },
    )


def _shared_view(request: HttpRequest) -> bool:
    """True when the response is the same for everyone: no user, no pending messages."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return "messages" not in request.COOKIES and settings.SESSION_COOKIE_NAME not in (
        request.COOKIES
    )


def _page_etag(page: Page, tags: list[Tag], backlink_count: int) -> str:
    revision = page.current_revision
    stamp = "|".join(
        [
            str(page.pk),
            str(page.revision_number),
            str(revision.pk if revision else 0),
            hashlib.md5(
                (revision.html if revision else "").encode(), usedforsecurity=False
            ).hexdigest(),
            page.title,
            page.slug,
            page.summary,
            revision.author.get_username() if revision and revision.author else "",
            ",".join(f"{t.pk}:{t.name}" for t in tags),
            str(backlink_count),
            snapshots.layout_stamp(),
        ]
    )
    return '"' + hashlib.sha1(stamp.encode(), usedforsecurity=False).hexdigest()[:32] + '"'


def _anonymous_by_cookies(request: HttpRequest) -> bool:
    """No session and no messages cookie: the reader is anonymous (users log in through
    the session) with nothing pending — decided without loading the session."""
    cookies = request.COOKIES
    return "messages" not in cookies and settings.SESSION_COOKIE_NAME not in cookies


@require_safe
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Only the bare URL is shared: the page echoes query parameters (the header search
    # box shows ?q=), so a response for /wiki/x/?q=… must never be served for /wiki/x/.
    shared = not request.GET and _anonymous_by_cookies(request)
    version = None
    if shared:
        snapshot = snapshots.fetch(slug)
        if snapshot is not None:
            return snapshots.respond(request, snapshot)
        # Read before the page: the snapshot is stored only if no change committed since.
        version = snapshots.content_version()
    try:
        page = _get_page(slug)
    except Http404:
        return not_found(request, title=request.GET.get("title") or slug)
    if shared and _shared_view(request):
        return _current_page_view(request, page, version)
    return _page_view(request, page, request.GET.get("rev"))


def _current_page_view(request: HttpRequest, page: Page, version: int | None) -> HttpResponse:
    """The current revision for anonymous readers: rendered once, stored as the page's
    snapshot (wiki.snapshots) and served from it from then on, with an ETag."""
    tags = list(page.tags.all())
    backlink_count = selectors.backlink_count(page)
    etag = _page_etag(page, tags, backlink_count)
    if (not_modified := snapshots.not_modified(request, etag)) is not None:
        return not_modified
    response = _page_view(request, page, None, tags=tags, backlink_count=backlink_count)
    if response.status_code != 200 or response.streaming or response.cookies:
        return response
    snapshot = snapshots.Snapshot(etag=etag, content=snapshots.compress(response.content))
    if version is not None:
        snapshots.store(page.pk, version, snapshot)
    return snapshots.respond(request, snapshot)


def _revision_number(value: str | None) -> int | None:
    """?rev=N as a number; None when it is not one. More than 18 digits cannot be a revision
    (and would not fit the database's integer): not found."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    if len(value) > 18:
        raise Http404("No such revision")
    return int(value)


def _page_view(
    request: HttpRequest,
    page: Page,
    old: str | None,
    *,
    tags: list[Tag] | None = None,
    backlink_count: int | None = None,
) -> HttpResponse:
    revision = page.current_revision
    number = _revision_number(old)
    if number is not None and number != page.revision_number:
        revision = get_object_or_404(
            Revision.objects.select_related("author"), page=page, number=number
        )
        if not revision.html:
            from wiki.markup import render as render_markup

            revision.html = render_markup(revision.body).html
    return render(
        request,
        "wiki/page_detail.html",
        {
            "page": page,
            "revision": revision,
            "is_old": revision.pk != page.current_revision_id,
            "tags": list(page.tags.all()) if tags is None else tags,
            "backlink_count": (
                selectors.backlink_count(page) if backlink_count is None else backlink_count
            ),
        },
    )


@require_safe
def page_history(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    revisions = (
        page.revisions.select_related("author")
        .only("number", "title", "comment", "created", "author__username", "page_id")
        .order_by("-number")
    )
    return render(
        request,
        "wiki/page_history.html",
        {"page": page, "page_obj": _paginate(request, revisions)},
    )


# Bumped when the Diff dataclass or the way it is computed changes: old cached diffs miss.
DIFF_FORMAT = 2
DIFF_CACHE_MAX_CHARS = 512_000


def _cached_diff(page: Page, before: Revision, after: Revision):
    """The diff of two revisions, cached per pair (revisions never change once written)."""
    from django.core.cache import caches

    cache = caches["diffs"]
    # Revisions never change once written; the digest of both texts guards against ids
    # used again (a test database rolled back, a page deleted and made anew).
    digest = hashlib.md5(usedforsecurity=False)
    for body in (before.body, after.body):
        digest.update(body.encode())
        digest.update(b"\0")
    key = f"wiki:diff:{DIFF_FORMAT}:{page.pk}:{before.number}:{after.number}:{digest.hexdigest()}"
    diff = cache.get(key)
    if diff is None:
        diff = diff_texts(before.body, after.body)
        size = sum(len(line.html) for hunk in diff.hunks for line in hunk.lines)
        if size <= DIFF_CACHE_MAX_CHARS:
            cache.set(key, diff)
    return diff


@require_safe
def page_diff(request: HttpRequest, slug: str, old: int, new: int) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    revisions = {
        r.number: r for r in page.revisions.filter(number__in=[old, new]).select_related("author")
    }
    if old not in revisions or new not in revisions:
        raise Http404("No such revision")
    before, after = revisions[old], revisions[new]
    return render(
        request,
        "wiki/page_diff.html",
        {
            "page": page,
            "before": before,
            "after": after,
            "diff": _cached_diff(page, before, after),
            "title_changed": before.title != after.title,
        },
    )


@require_safe
def page_backlinks(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    return render(
        request,
        "wiki/page_backlinks.html",
        {
            "page": page,
            "page_obj": _paginate(
                request, selectors.backlinks(page).only("title", "slug", "summary")
            ),
        },
    )


@require_safe
def recent_changes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "wiki/recent.html",
        {"page_obj": _paginate(request, selectors.recent_revisions())},
    )


@require_safe
def wanted(request: HttpRequest) -> HttpResponse:
    return render(request, "wiki/wanted.html", {"wanted": selectors.wanted_pages()})


@require_safe
def orphans(request: HttpRequest) -> HttpResponse:
    pages = selectors.orphan_pages().only("title", "slug", "summary")
    return render(request, "wiki/orphans.html", {"page_obj": _paginate(request, pages)})


@require_safe
def tag_detail(request: HttpRequest, tag: str) -> HttpResponse:
    tag_obj = get_object_or_404(Tag, slug=tag)
    pages = tag_obj.pages.only("title", "slug", "summary").order_by("title")
    return render(request, "wiki/tag.html", {"tag": tag_obj, "page_obj": _paginate(request, pages)})


def not_found(request: HttpRequest, exception=None, title: str | None = None) -> HttpResponse:
    """404 everywhere; on a wiki URL, offer to create the page."""
    if title is None and request.path.startswith("/wiki/"):
        title = request.path.removeprefix("/wiki/").strip("/").split("/")[0] or None
    if title is not None:
        title = title[:200]
    user = getattr(request, "user", None)
    can_create = bool(title) and user is not None and user.is_active and user.is_staff
    context = {
        "missing_title": title,
        "can_create": can_create,
        "create_url": _create_url(title) if can_create else None,
    }
    return render(request, "404.html", context, status=404)
