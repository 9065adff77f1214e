"""The HTTP side of stored page snapshots: gzip negotiation, ETags and 304s.

A snapshot is stored gzip-compressed. Clients that accept gzip get those bytes as they
are, with their own entity tag (different bytes, different strong validator); others get
them decompressed. If-None-Match naming either representation answers 304.
"""

from __future__ import annotations

import zlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from core.compression import accepts_gzip
from wiki.snapshots import Snapshot

CONTENT_TYPE = "text/html; charset=utf-8"
_GZIP_WBITS = 31  # zlib with a gzip header and trailer


def compress(body: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)
    return packer.compress(body) + packer.flush()


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


def respond(request: HttpRequest, snapshot: Snapshot) -> HttpResponse:
    """The response for a snapshot: 304, the gzip bytes, or the decompressed body."""
    if (response := not_modified(request, snapshot.etag)) is not None:
        return response
    gz = accepts_gzip(request)
    if gz:
        response = HttpResponse(snapshot.content, content_type=CONTENT_TYPE)
        response["Content-Encoding"] = "gzip"
    else:
        body = zlib.decompress(snapshot.content, _GZIP_WBITS)
        response = HttpResponse(body, content_type=CONTENT_TYPE)
    return _headers(response, snapshot.etag, gz)
