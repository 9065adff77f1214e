"""The Whoosh schema. Bump SCHEMA_VERSION whenever it changes: an index built with another
version is reported as needing `search_index --rebuild` instead of being misread."""

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NGRAMWORDS, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

SCHEMA_VERSION = "1"
TITLE_BOOST = 3.0
TAGS_BOOST = 2.0


def text_analyzer():
    """Words, lower-cased, accent-folded, stop words out, Porter-stemmed (the spelling
    fields get the same words unstemmed)."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter()
    )


def build_schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        object_id=STORED,
        title=TEXT(analyzer=analyzer, stored=True, spelling=True, field_boost=TITLE_BOOST),
        title_exact=ID,
        title_ngram=NGRAMWORDS(minsize=2, maxsize=15, at="start"),
        body=TEXT(analyzer=analyzer, stored=True, spelling=True),
        tags=KEYWORD(commas=True, lowercase=True, scorable=True, stored=True),
        fkind=ID(stored=True, sortable=True),
        status=ID(stored=True, sortable=True),
        engines=KEYWORD(commas=True, lowercase=True, stored=True),
        url=STORED,
        updated=STORED,
        digest=STORED,
    )
