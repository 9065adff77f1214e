"""Wiki views. Thin: reads come from selectors, writes go through services (via the admin)."""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import quote, unquote

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from core import activity, layout
from core.pagecache import depends_on
from wiki import aliases, http, selectors, snapshots
from wiki.diff import diff_texts
from wiki.links import lookup_pages
from wiki.models import Attachment, Page, PageAlias, PageLink, Revision, Tag
from wiki.naming import match_key
from wiki.render import render as render_body
from wiki.services import COLLECTION, page_ensure_rendered

DESCRIPTION_CHARS = 160
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)


def lead_text(rendered: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The first paragraph of rendered HTML as plain text, cut at a word: a page's meta
    description when it has no summary."""
    for match in _PARAGRAPH.finditer(rendered or ""):
        text = " ".join(html.unescape(strip_tags(match.group(1))).split())
        if len(text) >= 40 or text.endswith((".", ":")):
            return Truncator(text).chars(limit)
    return ""


_TOC = re.compile(r'\A\s*<nav class="toc"[^>]*>.*?</nav>\s*', re.DOTALL)
_FIRST_PARAGRAPH_END = re.compile(r"</p>", re.IGNORECASE)
_HEADING = re.compile(r"<h[1-6]\b", re.IGNORECASE)


def split_contents(rendered: str) -> dict[str, str]:
    """A rendered page as its table of contents (the <nav class="toc"> the renderer puts
    first), its lead (up to the first heading after a paragraph) and the rest, so that the
    layout can place the contents after the lead on a phone and beside the text on a desk."""
    toc = ""
    if match := _TOC.match(rendered or ""):
        toc, rendered = match.group(0).strip(), rendered[match.end() :]
    lead, rest = rendered, ""
    end = _FIRST_PARAGRAPH_END.search(rendered) if toc else None
    if end and (heading := _HEADING.search(rendered, end.end())):
        lead, rest = rendered[: heading.start()], rendered[heading.start() :]
    return {"toc": toc, "lead": lead, "rest": rest}


def page_meta(page: Page, html_text: str) -> dict[str, str]:
    """Title, description and Open Graph type of a wiki page, for base.html's head."""
    description = page.summary or lead_text(html_text) or f"{page.title}, a page of the wiki."
    return {
        "title": page.title,
        "description": Truncator(description).chars(DESCRIPTION_CHARS),
        "type": "article",
    }


def respelled(request: HttpRequest, slug: str, view: str, **kwargs) -> HttpResponse | None:
    """/wiki/FrontPage/, /wiki/frontpage/, /wiki/Front-Page/: another spelling of an
    existing page's title or slug answers 301 to the page (its view named `view`).
    (Other names of pages redirect in not_found, which tells the page where from.)"""
    found = lookup_pages([match_key(slug)], aliases=False).get(match_key(slug))
    if found is None or found[1] == slug:
        return None
    url = reverse(f"wiki:{view}", kwargs={"slug": found[1], **kwargs})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(url + ("?" + query if query else ""))


def _page_or_respelled(request: HttpRequest, slug: str, view: str, **kwargs):
    """(page, None), or (None, a 301 to the page's spelling); Http404 when neither."""
    page = Page.objects.filter(slug=slug).first()
    if page is not None:
        return page, None
    redirect = respelled(request, slug, view, **kwargs)
    if redirect is None:
        raise Http404(slug)
    return None, redirect


def _paginate(request: HttpRequest, items, per_page: int | None = None):
    paginator = Paginator(items, per_page or settings.WIKI_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _create_url(title: str) -> str:
    return reverse("admin:wiki_page_add") + "?" + urlencode({"title": title})


def _get_page(slug: str) -> Page:
    page = Page.objects.with_current().filter(slug=slug).first()
    if page is None:
        raise Http404(slug)
    # Loaded raw and not rendered yet, or a link target it names changed since: the
    # outbox will render it, but this reader need not wait for that.
    return page_ensure_rendered(page)


@require_safe
def front_page(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION])
    front = Page.objects.with_current().filter(key=match_key(settings.WIKI_FRONT_PAGE)).first()
    if front is not None:
        front = page_ensure_rendered(front)
    rendered = front.current_revision.html if front and front.current_revision else ""
    parts = split_contents(rendered)  # the front page goes without its table of contents
    context = {
        "front": front,
        "front_html": parts["lead"] + parts["rest"],
        "meta": {
            "title": settings.WIKI_SITE_NAME,
            "description": lead_text(rendered) or settings.WIKI_SITE_DESCRIPTION,
        },
        "recent": selectors.recent_revisions()[:10],
        "page_count": Page.objects.count(),
        "tags": Tag.objects.annotate(n=Count("pages", filter=Q(pages__deleted__isnull=True)))
        .filter(n__gt=0)
        .order_by("-n", "name")[:20],
    }
    return render(request, "wiki/front.html", context)


@require_safe
def page_list(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=["letter", "page"])
    pages = Page.objects.only("title", "slug", "summary", "updated").order_by("key")
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


def _page_etag(page: Page) -> str:
    """Everything the page view shows is covered by the page's version (core/changes.py)
    and the layout stamp."""
    stamp = f"{page.pk}|{page.version}|{layout.stamp()}"
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
    if shared:
        snapshot = snapshots.fetch(slug)
        if snapshot is not None:
            return http.respond(request, snapshot)
    try:
        page = _get_page(slug)
    except Http404:
        redirect = respelled(request, slug, "page")
        if redirect is not None:
            return redirect
        return not_found(request, title=request.GET.get("title") or slug)
    if shared and _shared_view(request):
        return _current_page_view(request, page)
    if request.GET.get("rev"):
        depends_on(request, page, params=["rev"])
    return _page_view(request, page, request.GET.get("rev"))


def _current_page_view(request: HttpRequest, page: Page) -> HttpResponse:
    """The current revision for anonymous readers: rendered once, stored as the page's
    snapshot (wiki.snapshots) for its version and served from it from then on."""
    etag = _page_etag(page)
    if (not_modified := http.not_modified(request, etag)) is not None:
        return not_modified
    response = _page_view(request, page, None)
    if response.status_code != 200 or response.streaming or response.cookies:
        return response
    snapshot = snapshots.Snapshot(etag=etag, content=http.compress(response.content))
    snapshots.store(page.pk, page.version, snapshot)
    return http.respond(request, snapshot)


def _revision_number(value: str | None) -> int | None:
    """?rev=N as a number; None when it is not one. More than 18 digits cannot be a revision
    (and would not fit the database's integer): not found."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    if len(value) > 18:
        raise Http404("No such revision")
    return int(value)


def _page_view(request: HttpRequest, page: Page, old: str | None) -> HttpResponse:
    revision = page.current_revision
    number = _revision_number(old)
    if number is not None and number != page.revision_number:
        revision = get_object_or_404(
            Revision.objects.select_related("author"), page=page, number=number
        )
        if not revision.html:
            revision.html = render_body(revision.body).html
    return render(
        request,
        "wiki/page_detail.html",
        {
            "page": page,
            "revision": revision,
            "is_old": revision.pk != page.current_revision_id,
            "noindex": revision.pk != page.current_revision_id,
            "contents": split_contents(revision.html),
            "meta": page_meta(page, revision.html),
            "tags": list(page.tags.all()),
            "backlink_count": selectors.backlink_count(page),
        },
    )


@require_safe
def page_history(request: HttpRequest, slug: str) -> HttpResponse:
    page, redirect = _page_or_respelled(request, slug, "page-history")
    if redirect is not None:
        return redirect
    old, new = request.GET.get("old", ""), request.GET.get("new", "")
    old_number, new_number = _revision_number(old), _revision_number(new)
    if old_number is not None and new_number is not None:
        # The history's compare form (a plain GET): any two revisions, older first.
        low, high = sorted((old_number, new_number))
        if low == high:
            return _history(request, page, "Pick two different revisions to compare.")
        return HttpResponseRedirect(
            reverse("wiki:page-diff", kwargs={"slug": page.slug, "old": low, "new": high})
        )
    return _history(request, page, "Pick two revisions." if old or new else "")


def _history(request: HttpRequest, page: Page, problem: str) -> HttpResponse:
    depends_on(request, page, params=["page", "old", "new"])
    revisions = (
        page.revisions.select_related("author")
        .only("number", "title", "comment", "created", "author__username", "page_id")
        .order_by("-number")
    )
    page_obj = _paginate(request, revisions)
    numbers = [r.number for r in page_obj]
    return render(
        request,
        "wiki/page_history.html",
        {
            "page": page,
            "page_obj": page_obj,
            "problem": problem,
            # Preselected: the two newest revisions on this page of the history.
            "pick_new": numbers[0] if numbers else None,
            "pick_old": numbers[1] if len(numbers) > 1 else None,
            "noindex": True,
        },
    )


# Bumped when the Diff dataclass or the way it is computed changes: old cached diffs miss.
DIFF_FORMAT = 2
DIFF_CACHE_MAX_CHARS = 512_000


def _cached_diff(page: Page, before: Revision, after: Revision):
    """The diff of two revisions, cached per pair (revisions never change once written)."""
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
    page, redirect = _page_or_respelled(request, slug, "page-diff", old=old, new=new)
    if redirect is not None:
        return redirect
    depends_on(request, page)
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
            "noindex": True,
        },
    )


@require_safe
def page_backlinks(request: HttpRequest, slug: str) -> HttpResponse:
    page, redirect = _page_or_respelled(request, slug, "page-backlinks")
    if redirect is not None:
        return redirect
    depends_on(request, page, params=["page"])
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
    """Page revisions, and the changes other apps register (core.activity), by time."""
    depends_on(request, collections=[COLLECTION, *activity.collections()], params=["page"])
    merged = activity.Merged([selectors.PAGE_ACTIVITY, *activity.sources()])
    return render(
        request, "wiki/recent.html", {"page_obj": _paginate(request, merged), "noindex": True}
    )


@require_safe
def wanted(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=["page"])
    page_obj = _paginate(request, selectors.wanted_keys())
    return render(
        request,
        "wiki/wanted.html",
        {"wanted": selectors.wanted_pages(page_obj.object_list), "page_obj": page_obj},
    )


@require_safe
def orphans(request: HttpRequest) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=["page"])
    pages = selectors.orphan_pages().only("title", "slug", "summary")
    return render(request, "wiki/orphans.html", {"page_obj": _paginate(request, pages)})


@require_safe
def tag_detail(request: HttpRequest, tag: str) -> HttpResponse:
    depends_on(request, collections=[COLLECTION], params=["page"])
    tag_obj = get_object_or_404(Tag, slug=tag)
    pages = tag_obj.pages.only("title", "slug", "summary").order_by("key")
    return render(request, "wiki/tag.html", {"tag": tag_obj, "page_obj": _paginate(request, pages)})


# Served so that a file can never run script: a strict content type from what the upload
# was found to be, nosniff, a CSP that allows nothing and sandboxes, and anything but an
# image as a download.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@require_safe
def attachment_file(request: HttpRequest, pk: int, name: str, display: bool = False):
    attachment = get_object_or_404(Attachment, pk=pk, name=name)
    stored = attachment.display if display and attachment.display else attachment.file
    content_type = attachment.content_type
    if stored is attachment.display:
        content_type = DISPLAY_TYPES.get(stored.name.rsplit(".", 1)[-1], content_type)
    try:
        handle = stored.storage.open(stored.name, "rb")
    except FileNotFoundError as exc:
        raise Http404(name) from exc
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


DISPLAY_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


@require_safe
@staff_member_required
def redirects_report(request: HttpRequest) -> HttpResponse:
    """Editors' report: broken redirects (another name of a page in the recycle bin) and
    double ones (a name that also belongs to another page)."""
    problems = aliases.problems()
    return render(
        request,
        "wiki/redirects.html",
        {
            "broken": [p for p in problems if p.kind == "broken"],
            "double": [p for p in problems if p.kind == "double"],
            "total": PageAlias.objects.count(),
        },
    )


def alias_redirect(request: HttpRequest) -> HttpResponse | None:
    """/wiki/<another name of a page>/… answers 301 to the same view of the page; the
    page view is told where the reader came from (?from=), and says so."""
    if request.method not in ("GET", "HEAD"):
        return None
    prefix = reverse("wiki:page-list")
    if not request.path.startswith(prefix):
        return None
    segment, _, rest = unquote(request.path[len(prefix) :]).partition("/")
    if not segment or segment.startswith("_") or "\x00" in segment:
        return None
    found = aliases.redirect_for(segment)
    if found is None:
        return None
    page, alias = found
    url = reverse("wiki:page", kwargs={"slug": page.slug})
    if rest:
        url += quote(rest)
        query = request.META.get("QUERY_STRING", "")
    else:
        query = urlencode({"from": alias.name})
    return HttpResponsePermanentRedirect(url + (f"?{query}" if query else ""))


def _in_bin(title: str) -> Page | None:
    """For an editor: the deleted page this address or title belonged to."""
    key = match_key(title)
    return Page.everything.in_bin().filter(Q(key=key) | Q(slug_key=key)).first()


def not_found(request: HttpRequest, exception=None, title: str | None = None) -> HttpResponse:
    """404 everywhere; on a wiki URL, offer to create the page (another name of a page
    redirects to it)."""
    if (moved := alias_redirect(request)) is not None:
        return moved
    if title is None and request.path.startswith("/wiki/"):
        title = request.path.removeprefix("/wiki/").strip("/").split("/")[0] or None
    if title is not None:
        title = title[:200]
    user = getattr(request, "user", None)
    can_create = bool(title) and user is not None and user.is_active and user.is_staff
    context = {
        "missing_title": title,
        "in_bin": _in_bin(title) if can_create else None,
        "can_create": can_create,
        "create_url": _create_url(title) if can_create else None,
        "wanted_by": _wanted_by(title) if title else [],
        "noindex": True,
    }
    return render(request, "404.html", context, status=404)


def _wanted_by(title: str, limit: int = 50) -> list[Page]:
    """The pages whose links name this missing page, A–Z."""
    keys = {match_key(title)} - {""}
    sources = PageLink.objects.filter(
        kind=PageLink.PAGE, target__isnull=True, target_key__in=keys
    ).values("source_id")
    return list(Page.objects.filter(pk__in=sources).only("title", "slug").order_by("key")[:limit])
