"""The HTTP side of stored page snapshots (core/compression.py serves stored bytes)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from core.compression import compress, gzip_etag, not_modified, respond_stored
from wiki.snapshots import Snapshot

CONTENT_TYPE = "text/html; charset=utf-8"

__all__ = ["compress", "gzip_etag", "not_modified", "respond"]


def respond(request: HttpRequest, snapshot: Snapshot) -> HttpResponse:
    """The response for a snapshot: 304, the gzip bytes, or the decompressed body."""
    return respond_stored(request, snapshot.etag, snapshot.content, {"Content-Type": CONTENT_TYPE})
