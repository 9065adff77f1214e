"""URL converters shared by the wiki's URLs and its admin views."""

from django.urls import register_converter


class DatabaseIntConverter:
    """A non-negative integer of at most 18 digits: it always fits the database's 64-bit
    integer. Django's ``int`` takes any length, and a longer number made SQLite raise
    OverflowError (a 500); here such a URL is simply not found."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(DatabaseIntConverter, "dbint")
