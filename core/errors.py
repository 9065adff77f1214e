"""What a visitor sees when the server fails: a plain 500, or — when the database cannot
be written (read-only directory or file, full disk, I/O error) — a 503 that says so, with
the text of the form being saved shown back so that nothing typed is lost."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.views import defaults

# SQLite result codes (the low byte of sqlite_errorcode) and PostgreSQL SQLSTATEs that mean
# "the data could not be written", not "the request was wrong".
_SQLITE_CODES = {8: "read-only", 13: "full", 10: "io", 14: "io"}  # READONLY FULL IOERR CANTOPEN
_POSTGRES_STATES = {"25006": "read-only", "53100": "full", "53000": "full", "58030": "io"}
_NEVER_SHOWN = ("csrfmiddlewaretoken", "password")


def storage_problem(exc: BaseException | None) -> str | None:
    """ "read-only", "full" or "io" when exc (or its cause) is the database refusing to write."""
    seen = 0
    while exc is not None and seen < 5:
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in _SQLITE_CODES:
            return _SQLITE_CODES[code & 0xFF]
        state = getattr(getattr(exc, "diag", None), "sqlstate", None) or getattr(
            exc, "sqlstate", None
        )
        if state in _POSTGRES_STATES:
            return _POSTGRES_STATES[state]
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def kept_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The text fields of a POST, to show back: never the CSRF token or a password."""
    if request.method != "POST":
        return []
    try:
        items = list(request.POST.lists())
    except (SuspiciousOperation, MultiPartParserError, OSError, ValueError):
        # An unreadable or oversized body has nothing to keep.
        return []
    kept = []
    for name, values in items:
        if any(word in name.lower() for word in _NEVER_SHOWN):
            continue
        for value in values:
            if value.strip():
                kept.append((name, value))
    return kept


def storage_unavailable(request: HttpRequest, problem: str) -> HttpResponse:
    html = render_to_string(
        "503.html",
        {"problem": problem, "kept": kept_fields(request), "is_write": request.method == "POST"},
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "300"
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request body too large to read gets the wiki's own message."""
    if isinstance(exception, RequestDataTooBig):
        html = render_to_string(
            "400.html",
            {
                "too_big": True,
                "limit_mb": settings.WIKI_MAX_BODY_BYTES / (1024 * 1024),
            },
        )
        return HttpResponseBadRequest(html)
    return HttpResponseBadRequest(render_to_string("400.html", {"too_big": False}))


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: called while the exception is being handled (sys.exc_info() is set)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError) and (problem := storage_problem(exc)):
        return storage_unavailable(request, problem)
    return defaults.server_error(request, template_name)
