"""Response compression for every page (see the note in settings.MIDDLEWARE)."""

from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.utils.cache import patch_vary_headers

from wiki.snapshots import accepts_gzip


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
