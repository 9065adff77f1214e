"""The Whoosh schema. Bump SCHEMA_VERSION whenever it changes: an index built with another
version is reported as needing `search_index --rebuild` instead of being misread."""

import contextlib
import functools
import re
import threading
from collections import defaultdict

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.tokenizers import default_pattern
from whoosh.fields import ID, KEYWORD, NGRAMWORDS, STORED, TEXT, Schema
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

SCHEMA_VERSION = "5"
# Query-time weights of the text fields (search.documents says what each holds).
TITLE_BOOST = 3.0
NAMES_BOOST = 3.0
ABOUT_BOOST = 2.0
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


# The analyzer's steps for one word, without the generator chain: for snippets, which
# match a hit's words against the query's indexed forms (tests check they agree).
TOKEN_RE = default_pattern


@functools.lru_cache(maxsize=100_000)
def normalize_word(word: str) -> str:
    return stem(word.lower().translate(accent_map))


# ---------------------------------------------------------------- fast indexing
#
# Whoosh analyses text through a chain of generators (tokenizer → lower → charset → stop
# → stem), one Python frame per filter per token, and with spelling=True a second time
# for the unstemmed words: ~70 % of an index build. FastText computes the same terms
# and positions in one pass over a regex, with the per-word work cached, and hands the
# unstemmed words to the spelling field from that same pass. Queries and highlighting
# still use text_analyzer(); tests check both give the same terms and positions.

# whoosh's default_pattern, [\w\*]+(\.?[\w\*]+)*, without its capture group (for findall)
_WORD_RE = re.compile(default_pattern.pattern.replace("(\\.", "(?:\\."), default_pattern.flags)
assert _WORD_RE.groups == 0
_STOPS = frozenset(STOP_WORDS)
_WORD_CACHE_MAX = 500_000
_word_cache: dict[str, tuple[str, str] | None] = {}
_state = threading.local()


def _index_form(word: str) -> tuple[str, str] | None:
    """(folded, stemmed) forms of a token, None for a stop word — as text_analyzer()."""
    found = _word_cache.get(word, False)
    if found is False:
        folded = word.lower().translate(accent_map)
        found = None if len(folded) < 2 or folded in _STOPS else (folded, stem(folded))
        if len(_word_cache) >= _WORD_CACHE_MAX:
            _word_cache.clear()
        _word_cache[word] = found
    return found


@contextlib.contextmanager
def spelling_session(known=None):
    """Within one index writer: give each unstemmed word to the spelling field once per
    segment instead of once per document (whoosh posts it per document, always at
    document 0 — the same information, hundreds of postings a page). known(field, word),
    when given, says a word is in the index already: a save then writes only new words
    (each term costs a block in the new segment; most of a one-page commit)."""
    _state.seen = defaultdict(set)  # per field object
    _state.known = known
    try:
        yield
    finally:
        _state.seen = None
        _state.known = None


class FastText(TEXT):
    def __init__(self, name: str, **kwargs):
        super().__init__(**kwargs)
        self.name = name  # whoosh fields do not know their name; the spelling field does

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):
            return list(super().index(value, **kwargs))
        every = list(map(_index_form, _WORD_RE.findall(value)))
        forms = [f for f in every if f is not None]
        # StopFilter(renumber=True): the first word kept keeps its position, the words
        # after it are numbered on from there, stop words left out.
        first = next((i for i, f in enumerate(every) if f is not None), 0)
        positions: dict[str, list[int]] = defaultdict(list)
        for pos, (_, stemmed) in enumerate(forms, start=first):
            positions[stemmed].append(pos)
        if self.separate_spelling():
            seen = getattr(_state, "seen", None)
            words = {folded for folded, _ in forms}
            if seen is not None:
                words -= seen[id(self)]
                seen[id(self)] |= words
                known = getattr(_state, "known", None)
                if known is not None:
                    spellfield = self.spelling_prefix + self.name
                    words = {w for w in words if not known(spellfield, w)}
            _state.spell = (value, words)
        fmt = self.format
        boost = fmt.field_boost
        encode = fmt.encode
        return [
            (term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses))
            for term, poses in positions.items()
        ]

    def spellable_words(self, value):
        last = getattr(_state, "spell", None)
        _state.spell = None
        if last is not None and last[0] is value:
            return sorted(last[1])
        return super().spellable_words(value)


def build_schema() -> Schema:
    """Indexed text fields hold the text with its compounds spelled out (search.text);
    what is shown (the title, the plain body for snippets) is stored apart."""
    analyzer = text_analyzer()
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        role=ID,  # "doc", or "section" for a part of a long page
        parent=ID(stored=True),  # a section's document key
        object_id=STORED,
        name=STORED,  # the title as written
        context=STORED,  # a section's page title
        title=FastText("title", analyzer=analyzer, spelling=True, field_boost=TITLE_BOOST),
        names=FastText("names", analyzer=analyzer, field_boost=NAMES_BOOST),
        about=FastText("about", analyzer=analyzer),
        title_exact=KEYWORD(commas=True),
        title_ngram=NGRAMWORDS(minsize=2, maxsize=15, at="start"),
        body=FastText("body", analyzer=analyzer, spelling=True),
        text=STORED,  # the plain body, for snippets
        tags=KEYWORD(commas=True, lowercase=True, scorable=True, stored=True),
        facets=KEYWORD(commas=True, stored=True),  # "fkind=micro,status=active"
        prior=KEYWORD(commas=True, stored=True),
        aliases=STORED,  # the other names, "|"-joined, for suggestions
        sections=STORED,  # [(anchor, heading, offset in text)] of a long page
        url=STORED,
        updated=STORED,
        digest=STORED,
    )
