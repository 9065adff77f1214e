"""Response compression for every page (see the note in settings.MIDDLEWARE), and the
serving of responses stored already compressed (cached pages, wiki-page snapshots).

A stored response keeps its gzip bytes. Clients that accept gzip get those bytes as they
are, with their own entity tag (different bytes, different strong validator); others get
them decompressed. If-None-Match naming either representation answers 304.
"""

import re
import zlib
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

_GZIP_WBITS = 31  # zlib with a gzip header and trailer


def accepts_gzip(request: HttpRequest) -> bool:
    """gzip listed in Accept-Encoding with a q-value above zero."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if "gzip" not in header:
        return False
    for item in header.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        q = re.search(r"q\s*=\s*([0-9.]+)", params)
        try:
            return q is None or float(q.group(1)) > 0
        except ValueError:
            return False
    return False


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's gzip middleware, honouring an explicit refusal (``gzip;q=0``) as the stored
    wiki-page snapshots do: Django's own looks for the word "gzip" only."""

    def process_response(self, request, response):
        if response.has_header("Content-Encoding"):
            return response  # a stored snapshot, already gzip: never compressed twice
        if not accepts_gzip(request):
            if response.streaming or len(response.content) >= 200:
                patch_vary_headers(response, ("Accept-Encoding",))
            return response
        return super().process_response(request, response)


# ---------------------------------------------------------------- stored responses


def compress(body: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)
    return packer.compress(body) + packer.flush()


def decompress(content: bytes) -> bytes:
    return zlib.decompress(content, _GZIP_WBITS)


def gzip_etag(etag: str) -> str:
    """The ETag of the gzip representation."""
    return etag[:-1] + '-gz"' if etag.endswith('"') else etag + "-gz"


def _headers(response: HttpResponse, etag: str, gz: bool) -> HttpResponse:
    response["ETag"] = gzip_etag(etag) if gz else etag
    response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
    return response


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 if the reader already has this content (in either representation)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return None
    wanted = {etag, gzip_etag(etag)}
    tags = parse_etags(header)
    if "*" not in tags and not any(t.removeprefix("W/") in wanted for t in tags):
        return None
    return _headers(HttpResponseNotModified(), etag, accepts_gzip(request))


def respond_stored(
    request: HttpRequest, etag: str, content: bytes, headers: Mapping[str, str]
) -> HttpResponse:
    """The response for stored gzip bytes: 304, the bytes as they are, or decompressed."""
    if (response := not_modified(request, etag)) is not None:
        return response
    gz = accepts_gzip(request)
    response = HttpResponse(content if gz else decompress(content), headers=headers)
    if gz:
        response["Content-Encoding"] = "gzip"
    return _headers(response, etag, gz)
