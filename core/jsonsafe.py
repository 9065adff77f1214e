"""JSON that is safe to hand to anything: <, > and & are written as \\u003c, \\u003e and
\\u0026 (still the same JSON), so no sniffing client, HTML embedding or log viewer can ever
read markup out of user text in an API response."""

from django.core.serializers.json import DjangoJSONEncoder

ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class HtmlSafeJSONEncoder(DjangoJSONEncoder):
    def encode(self, o) -> str:
        return super().encode(o).translate(ESCAPES)
