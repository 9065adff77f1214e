"""Request hygiene for every view: what no view should have to think about.

- Query parameters lose their control characters (NUL, vertical tab, escape …; tab and
  newlines stay) before any view reads them. PostgreSQL refuses NUL in text (``?letter=%00``
  and ``/catalog/compare/?f=%00`` were a DataError, a 500), and no parameter of this site
  means anything with one.
"""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from core.text import CONTROL_CHARACTERS


def strip_controls(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


class CleanQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.META.get("QUERY_STRING"):
            self._clean(request)
        return self.get_response(request)

    @staticmethod
    def _clean(request: HttpRequest) -> None:
        query = request.GET
        if not any(
            CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
            for key, values in query.lists()
        ):
            return
        cleaned = QueryDict(mutable=True, encoding=query.encoding)
        for key, values in query.lists():
            cleaned.setlist(strip_controls(key), [strip_controls(v) for v in values])
        cleaned._mutable = False
        request.GET = cleaned
