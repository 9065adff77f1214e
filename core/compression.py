"""Response compression for every page (see the note in settings.MIDDLEWARE), and the
reading of Accept-Encoding that it and the stored page snapshots share."""

import re

from django.http import HttpRequest
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.utils.cache import patch_vary_headers


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
