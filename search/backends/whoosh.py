"""Whoosh, the embedded default backend. Every Whoosh import lives here (and in
whoosh_schema), so the engine can be replaced behind :class:`SearchBackend`.

Layout of settings.SEARCH_INDEX_DIR::

    CURRENT                 name of the live index directory (replaced atomically)
    index-<stamp>-<pid>/    a Whoosh index, with SCHEMA_VERSION (and INCOMPLETE when it
                            was created on first use rather than built from everything)
    indexer.lock            flock'd by the one process writing (see search.indexer)

Writers run only under the indexer lock, so `ix.writer(timeout=…)` rarely waits; a
rebuild fills a fresh directory and swaps CURRENT, so searches keep answering.
"""

from __future__ import annotations

import bisect
import functools
import logging
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from django.conf import settings
from whoosh import index, query
from whoosh.analysis.filters import STOP_WORDS
from whoosh.codec.base import Automata
from whoosh.collectors import TimeLimit, TimeLimitCollector, UnlimitedCollector
from whoosh.filedb.filestore import FileStorage

from search import query as q
from search import registry
from search.backends import whoosh_hooks
from search.backends.base import (
    PAGE_LEN,
    Hit,
    IndexUnavailable,
    Progress,
    SearchBackend,
    SearchResults,
    Suggestion,
)
from search.backends.whoosh_fixes import abandon_writer
from search.backends.whoosh_schema import (
    ABOUT_BOOST,
    NAMES_BOOST,
    SCHEMA_VERSION,
    TAGS_BOOST,
    TITLE_BOOST,
    TOKEN_RE,
    build_schema,
    normalize_word,
    spelling_session,
)
from search.backends.whoosh_scoring import best, score_all
from search.documents import Document
from search.snippets import best_passages
from search.spelling import best_correction, transpositions
from search.text import (
    MARK_END,
    MARK_START,
    exact_names,
    fold,
    normalize_title,
    with_compounds,
)

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
MARKER = "SCHEMA_VERSION"
INCOMPLETE = "INCOMPLETE"
EXACT_TITLE_BOOST = 1000.0
SNIPPET_CHARS = 220
MERGE_AT_SEGMENTS = 12
# The rebuild's in-memory posting pool before it spills sorted runs to disk (per process).
REBUILD_LIMITMB = 512
# Highlighting re-analyses the text it is given: give it a window around the first
# occurrence of a query stem, not the whole stored body (most of a query's cost at 10k).
SNIPPET_WINDOW_CHARS = 3000
# A document's prior (0..1) as a small bonus added to matching documents: it breaks ties
# between equally good matches (Django before djng) without outranking a better match.
# Indexed as the token "p" repeated 0-3 times: its weight is the level.
PRIOR_LEVELS = ((0.66, 3), (0.33, 2), (0.1, 1))
PRIOR_BOOST = 0.5
SECTION = "section"
NOT_BUILT = "The search index has not been built yet."


def _snippet_window(body: str, stems: list[str]) -> str:
    """The part of body around the first occurrence of any query stem."""
    if len(body) <= SNIPPET_WINDOW_CHARS:
        return body
    lowered = body.lower()
    found = [i for i in (lowered.find(stem) for stem in stems if stem) if i >= 0]
    start = max(0, min(found) - SNIPPET_WINDOW_CHARS // 3) if found else 0
    return body[start : start + SNIPPET_WINDOW_CHARS]


_VOCABULARIES: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
_VOCABULARIES_LOCK = threading.Lock()
_VOCABULARIES_KEPT = 64


SPELL_FIELDS = ("spell_title", "spell_body")


def _word_list_file(folder: Path, segment_id: str, fieldname: str) -> Path:
    # Not a name Whoosh's own clean-up matches: it stays beside its segment.
    return folder / f"words-{segment_id}-{fieldname}.txt"


def _write_word_lists(ix, folder: Path) -> None:
    """Beside each segment of a fresh build, its spelling words as a sorted text file:
    reading them from Whoosh's term table costs ~1 s per 10k pages, once per process."""
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            segment = leaf.segment()
            if segment is None:
                continue
            for fieldname in SPELL_FIELDS:
                words = sorted(leaf.field_terms(fieldname))
                _word_list_file(folder, segment.segment_id(), fieldname).write_text(
                    "\n".join(words), encoding="utf-8"
                )


def _vocabulary(segment_reader, fieldname: str, folder: Path | None = None) -> list[str]:
    """Every word of a field in one segment, sorted, kept per process (a segment never
    changes; its id is unique). Whoosh's term table without mmap costs a seek and a read
    per probe: ~0.1 ms a word asked, ~200 ms for one "did you mean" at 10k pages. A
    rebuild leaves the lists of its (large) segments in files; others are read once."""
    segment = segment_reader.segment()
    if segment is None:  # an empty index
        return []
    key = (segment.segment_id(), fieldname)
    with _VOCABULARIES_LOCK:
        found = _VOCABULARIES.get(key)
        if found is not None:
            _VOCABULARIES.move_to_end(key)
    if found is None:
        try:
            text = _word_list_file(folder, *key).read_text(encoding="utf-8") if folder else None
        except OSError:
            text = None
        if text is not None:
            found = text.split("\n") if text else []
        else:
            found = sorted(segment_reader.field_terms(fieldname))
        with _VOCABULARIES_LOCK:
            _VOCABULARIES[key] = found
            while len(_VOCABULARIES) > _VOCABULARIES_KEPT:
                _VOCABULARIES.popitem(last=False)
    return found


def _contains(words: list[str], word: str) -> bool:
    i = bisect.bisect_left(words, word)
    return i < len(words) and words[i] == word


class _ListCursor:
    """The two methods of a Whoosh field cursor that Automata.find_matches uses, over a
    sorted list of words."""

    def __init__(self, words: list[str]):
        self.words = words
        self.i = 0

    def text(self) -> str | None:
        return self.words[self.i] if self.i < len(self.words) else None

    def find(self, term: str) -> None:
        self.i = bisect.bisect_left(self.words, term)


def _words_within(
    leaves, fieldname: str, word: str, maxdist: int, prefix: int, folder: Path | None
) -> set[str]:
    """Words of the field within maxdist (Damerau) edits of word, over every segment."""
    if not whoosh_hooks.fast():  # Whoosh's own (slower) walk of each term table
        return {w for leaf in leaves for w in leaf.terms_within(fieldname, word, maxdist, prefix)}
    dfa = Automata.levenshtein_dfa(word, maxdist, prefix)  # once, not once per segment
    return {
        found
        for leaf in leaves
        for found in Automata.find_matches(dfa, _ListCursor(_vocabulary(leaf, fieldname, folder)))
    }


def _or(subqueries) -> query.Or:
    """An Or scored as a tree of union matchers. Whoosh's default for segments under 5,000
    documents reads and scores every posting up front ("preloaded"), which rules out
    skipping the blocks that cannot reach the top hits."""
    found = query.Or(subqueries)
    found.matcher_type = query.Or.DEFAULT_MATCHER
    return found


def _body_terms(node) -> set[str]:
    """The body words a query looks for (not the ones it excludes): what snippets mark."""
    if isinstance(node, query.Not):
        return set()
    if isinstance(node, query.AndMaybe):
        return _body_terms(node.a)
    if isinstance(node, query.Term | query.Phrase):
        if node.fieldname != "body":
            return set()
        words = [node.text] if isinstance(node, query.Term) else node.words
        return {w.decode() if isinstance(w, bytes) else str(w) for w in words}
    out: set[str] = set()
    for child in getattr(node, "subqueries", ()):
        out |= _body_terms(child)
    return out


def _suggestion_order(fields: dict, wanted: str):
    """Names that start with what was typed, then the more central documents (Django
    before djng), documents before sections, shorter first."""
    title = normalize_title(fields["name"])
    starts = title.startswith(wanted) or any(
        normalize_title(n).startswith(wanted) for n in fields.get("aliases", "").split("|")
    )
    prior = len(fields.get("prior", "").split(",")) if fields.get("prior") else 0
    return (not starts, -prior, bool(fields.get("parent")), len(title), title)


def marked_to_html(text: str) -> str:
    return escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _prior_level(prior: float) -> int:
    return next((level for floor, level in PRIOR_LEVELS if prior >= floor), 0)


def _section_fields(doc: Document) -> dict:
    """A section of a long page, for completion only: its heading's n-grams and where it
    links. Which section a search hit lands on is found in the page's stored text at
    query time (_section_offsets, WhooshBackend.best_sections): indexing each section's
    text again would double the index and its rebuild."""
    return {
        "key": doc.key,
        "kind": str(doc.kind),
        "role": SECTION,
        "parent": doc.parent,
        "object_id": doc.object_id,
        "name": doc.title,
        "context": doc.context,
        "title_ngram": fold(doc.title),
        "url": doc.url,
        "digest": doc.digest,
    }


def _section_offsets(doc: Document) -> list:
    """[(anchor, heading, start)] of the sections in the stored body text."""
    found, pos = [], 0
    for section in doc.sections:
        start = doc.body.find(section.heading, pos)
        if start < 0:
            continue
        found.append((section.anchor, section.heading, start))
        pos = start + len(section.heading)
    return found


def _fields(doc: Document) -> dict:
    if doc.parent:
        return _section_fields(doc)
    names = " ".join(doc.names)
    return {
        "key": doc.key,
        "kind": str(doc.kind),
        "role": "doc",
        "object_id": doc.object_id,
        "name": doc.title,
        "context": doc.context,
        "title": with_compounds(doc.title),
        "names": with_compounds(names),
        "about": with_compounds(doc.about),
        "title_exact": ",".join(exact_names(doc.title, *doc.names)),
        "title_ngram": fold(f"{doc.title} {names} {' '.join(exact_names(doc.title))}"),
        "body": with_compounds(doc.body),
        "text": doc.body,
        "tags": ",".join(doc.tags),
        "facets": ",".join(fold(t) for t in doc.facet_tokens()),
        "prior": ",".join(["p"] * _prior_level(doc.prior)),
        "aliases": "|".join(doc.names),
        "sections": _section_offsets(doc),
        "url": doc.url,
        "updated": doc.updated.isoformat() if doc.updated else "",
        "digest": doc.digest,
    }


def _with_sections(docs: Iterable[Document]):
    for doc in docs:
        yield doc
        yield from doc.section_documents()


class _RecordingCollector(UnlimitedCollector):
    """Every match scored and recorded (for the total and facets), sorted at the end: every
    match must be seen anyway, and Whoosh's top-N collector can drop a document whose
    optional bonus (AndMaybe) it skipped."""

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.seen: set[int] = set()

    def collect(self, sub_docnum):
        self.seen.add(self.offset + sub_docnum)
        return super().collect(sub_docnum)


class _Matched:
    """Which documents match a query, as sets of document numbers, without scoring: for
    the total and the facet counts. Belongs to one searcher (one index generation), so
    its caches never go stale: a commit means a new searcher and a new _Matched."""

    LEAF_CACHE = 256

    def __init__(self, searcher):
        self.searcher = searcher
        self._leaves: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._all: frozenset[int] | None = None
        self._values: dict[str, dict[str, frozenset[int]]] = {}

    def all(self) -> frozenset[int]:
        if self._all is None:
            self._all = frozenset(self.searcher.reader().all_doc_ids())
        return self._all

    def leaf(self, fieldname: str, text) -> frozenset[int]:
        key = (fieldname, text)
        found = self._leaves.get(key)
        if found is None:
            term = query.Term(fieldname, text)
            found = frozenset(self.searcher.docs_for_query(term))
            self._leaves[key] = found
            if len(self._leaves) > self.LEAF_CACHE:
                self._leaves.popitem(last=False)
        else:
            self._leaves.move_to_end(key)
        return found

    def docs(self, node) -> frozenset[int] | set[int]:
        if isinstance(node, query.Term):
            return self.leaf(node.fieldname, node.text)
        if isinstance(node, query.Every):
            return self.all()
        if isinstance(node, query.AndMaybe):
            return self.docs(node.a)
        if isinstance(node, query.Not):
            return self.all() - self.docs(node.query)
        if isinstance(node, query.Or):
            out: set[int] = set()
            for sub in node.subqueries:
                out |= self.docs(sub)
            return out
        if isinstance(node, query.And):
            positive = [s for s in node.subqueries if not isinstance(s, query.Not)]
            negative = [s.query for s in node.subqueries if isinstance(s, query.Not)]
            sets = sorted((self.docs(s) for s in positive), key=len) or [self.all()]
            out = set(sets[0])
            for other in sets[1:]:
                if not out:
                    break
                out &= other
            for sub in negative:
                if not out:
                    break
                out -= self.docs(sub)
            return out
        # Phrases (positions must be checked): the matcher, unscored.
        return set(self.searcher.docs_for_query(node))

    def values(self, fieldname: str) -> dict[str, frozenset[int]]:
        """value → documents, for a facet field (a handful of values each)."""
        found = self._values.get(fieldname)
        if found is None:
            reader = self.searcher.reader()
            found = self._values[fieldname] = {
                value: self.leaf(fieldname, value)
                for value in reader.field_terms(fieldname)
                if value
            }
        return found

    def facet_counts(self, matched) -> dict[str, dict[str, int]]:
        if not isinstance(matched, set | frozenset):
            matched = set(matched)
        facets = {}
        per_facet: dict[str, dict[str, frozenset[int]]] = {"kind": self.values("kind")}
        for token, docs in self.values("facets").items():
            name, _, value = token.partition("=")
            per_facet.setdefault(name, {})[value] = docs
        for facet in registry.shown_facets():
            counts = {}
            for value, docs in per_facet.get(facet.name, {}).items():
                n = len(matched & docs)  # C speed; iterates the smaller set
                if n:
                    counts[value] = n
            facets[facet.name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets


def _guarded(method):
    """A damaged index can fail anywhere inside Whoosh: report it as unavailable."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IndexUnavailable:
            raise
        except Exception as exc:
            logger.warning("Search index failed while reading: %r", exc)
            self._close_searcher()
            raise IndexUnavailable("The search index could not be read: it is damaged.") from exc

    return wrapper


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.schema = build_schema()
        self._local = threading.local()
        whoosh_hooks.setup()  # once per process: the speed-ups on, or plain Whoosh

    def is_stop_word(self, word: str) -> bool:
        return fold(word) in STOP_WORDS

    # ------------------------------------------------------------ directories

    def _current_path(self) -> Path | None:
        try:
            name = (self.root / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            # Garbage in the pointer file (not text at all) is damage too, never a 500.
            raise IndexUnavailable(f"The search index pointer could not be read ({exc}).") from exc
        if not name or "/" in name or name.startswith("."):
            raise IndexUnavailable("The search index pointer file is damaged.")
        path = self.root / name
        return path if path.is_dir() else None

    def _open(self, path: Path | None):
        if path is None:
            raise IndexUnavailable(NOT_BUILT)
        try:
            version = (path / MARKER).read_text().strip()
        except OSError:
            version = None
        if version != SCHEMA_VERSION:
            raise IndexUnavailable(
                "The search index was built by another version of this site or is damaged."
            )
        try:
            # No mmap: a file truncated or overwritten under a live process would kill
            # it with SIGBUS; plain reads fail with an exception we can report.
            return FileStorage(str(path), supports_mmap=False).open_index(schema=self.schema)
        except Exception as exc:  # Whoosh raises many kinds on a damaged directory
            logger.warning("Cannot open the search index at %s: %r", path, exc)
            raise IndexUnavailable("The search index could not be read: it is damaged.") from exc

    def _new_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / f"index-{stamp}-{os.getpid()}"
        path.mkdir()
        index.create_in(str(path), self.schema)
        (path / MARKER).write_text(SCHEMA_VERSION + "\n")
        return path

    def _point_to(self, path: Path) -> None:
        tmp = self.root / f".{CURRENT}.{os.getpid()}"
        tmp.write_text(path.name + "\n")
        os.replace(tmp, self.root / CURRENT)

    def _cleanup(self, keep: set[str]) -> None:
        for old in self.root.glob("index-*"):
            if old.name not in keep and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)

    # ------------------------------------------------------------ the searcher

    def _signature(self):
        try:
            st = os.stat(self.root / CURRENT)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _searcher(self):
        """One searcher per thread (per process under gunicorn's sync workers), refreshed
        only when the index changed, reopened when CURRENT points elsewhere."""
        local = self._local
        sig = self._signature()
        searcher = getattr(local, "searcher", None)
        if searcher is not None and getattr(local, "sig", None) == sig:
            # Reopen only when the index changed. Not searcher.refresh(): it reuses
            # segment readers and so misses deletions in an unchanged segment.
            try:
                if searcher.up_to_date():
                    return searcher
            except Exception as exc:
                logger.warning("Search index changed under us, reopening: %r", exc)
        self._close_searcher()
        path = self._current_path()
        ix = self._open(path)
        local.path = path
        try:
            local.searcher = ix.searcher()
        except Exception as exc:
            raise IndexUnavailable("The search index could not be read: it is damaged.") from exc
        local.sig = sig
        local.matched = _Matched(local.searcher)
        return local.searcher

    def _matched(self, searcher) -> _Matched:
        matched = getattr(self._local, "matched", None)
        if matched is None or matched.searcher is not searcher:
            matched = self._local.matched = _Matched(searcher)
        return matched

    def _close_searcher(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if searcher is not None:
            try:
                searcher.close()
            except Exception as exc:  # a damaged index may fail even to close
                logger.debug("Closing an old searcher failed: %r", exc)

    def notice(self) -> str | None:
        try:
            path = self._current_path()
        except IndexUnavailable:
            return None
        if path is not None and (path / INCOMPLETE).exists():
            return (
                "The search index is incomplete: it was recreated and holds only entries "
                "saved since. Run `python manage.py search_index --update`."
            )
        return None

    def status(self) -> str | None:
        try:
            path = self._current_path()
            self._open(path)
        except IndexUnavailable as exc:
            return exc.message
        if (path / INCOMPLETE).exists():
            return (
                "The search index is incomplete: it holds only entries saved since it was created."
            )
        return None

    # ------------------------------------------------------------ writing

    def _writable(self):
        """The live index, created on first use (marked INCOMPLETE until a full build)."""
        path = self._current_path()
        if path is None:
            path = self._new_dir()
            (path / INCOMPLETE).write_text("created on first use; run search_index --update\n")
            self._point_to(path)
        return self._open(path)

    def apply(self, docs: list[Document], remove: list[str]) -> None:
        if not docs and not remove:
            return
        ix = self._writable()
        folder = Path(ix.storage.folder)
        writer = ix.writer(timeout=settings.SEARCH_WRITE_TIMEOUT)
        reader = None
        try:
            try:
                # One reader of the existing segments for the whole batch: whoosh's
                # update_document/delete_by_term open (and read the term tables of) every
                # segment again for each call.
                reader = writer.reader()
                largest = max(
                    (r for r, _ in reader.leaf_readers()), key=lambda r: r.doc_count_all()
                )
                vocabularies: dict[str, list[str]] = {}

                def known(fieldname: str, word: str) -> bool:
                    # Only the largest segment is asked (nearly every word of an edited
                    # page is there); a word posted twice costs a few bytes, a word missed
                    # would be lost to "did you mean".
                    words = vocabularies.get(fieldname)
                    if words is None:
                        words = vocabularies[fieldname] = _vocabulary(largest, fieldname, folder)
                    return _contains(words, word)

                def delete(key: str) -> None:
                    # The document and its sections.
                    for fieldname in ("key", "parent"):
                        if (fieldname, key) in reader:
                            for docnum in reader.postings(fieldname, key).all_ids():
                                writer.delete_document(docnum)

                with spelling_session(known=known):
                    for key in remove:
                        delete(key)
                    for doc in docs:
                        delete(doc.key)
                    for doc in _with_sections(docs):
                        writer.add_document(**_fields(doc))
            finally:
                if reader is not None:
                    reader.close()
            # A save's few documents are committed as a new segment without merging
            # (merging rewrites segments and made one save in twenty wait ~1 s); the small
            # segments are merged once there are enough of them to slow searches down.
            writer.commit(merge=len(ix._segments()) >= MERGE_AT_SEGMENTS)
        except BaseException:
            # Whatever failed — an add, or the commit itself (a full disk): the writer's
            # lock is released and its half-written files removed, so the next drain or
            # `search_index --update` writes again at once; the outbox keeps the rows.
            abandon_writer(writer)
            raise

    def mark_complete(self) -> None:
        path = self._current_path()
        if path is not None:
            (path / INCOMPLETE).unlink(missing_ok=True)

    def rebuild(
        self, docs: Iterable[Document], total: int, progress: Progress | None = None
    ) -> int:
        old = self._current_path_or_none()
        path = self._new_dir()
        count = 0
        procs = max(1, int(getattr(settings, "SEARCH_INDEX_PROCS", 1)))
        try:
            ix = FileStorage(str(path), supports_mmap=False).open_index(schema=self.schema)
            with spelling_session():
                # procs > 1: sub-processes analyse and write one segment each, kept as
                # they are (merging them again would cost what the split saved).
                options = {"limitmb": REBUILD_LIMITMB}
                if procs > 1:
                    options.update(procs=procs, multisegment=True, batchsize=100)
                writer = ix.writer(**options)
                rows = 0
                try:
                    for doc in docs:
                        for row in _with_sections([doc]):
                            writer.add_document(**_fields(row))
                            rows += 1
                        count += 1
                        if progress and count % 50 == 0:
                            progress(count)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            # whoosh's MpWriter drops a sub-process's segment silently if it fails:
            # never swap in an index that lost documents.
            indexed = ix.doc_count()
            if indexed != rows:
                raise RuntimeError(f"The new index holds {indexed} of {rows} documents.")
            _write_word_lists(ix, path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        if progress:
            progress(count)
        self._point_to(path)
        # Keep the previous directory: searchers in other processes may still read it.
        self._cleanup({path.name} | ({old.name} if old else set()))
        return count

    def _current_path_or_none(self) -> Path | None:
        try:
            return self._current_path()
        except IndexUnavailable:
            return None

    def stamps(self) -> dict[str, str]:
        ix = self._open(self._current_path())
        try:
            with ix.reader() as reader:
                return {
                    f["key"]: f.get("digest", "")
                    for f in reader.all_stored_fields()
                    if not f.get("parent")
                }
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable("The search index could not be read: it is damaged.") from exc

    # ------------------------------------------------------------ reading

    def _analyze(self, fieldname: str, word: str) -> list[str]:
        if fieldname == "tags":
            return [fold(word)]
        return [t.text for t in self.schema[fieldname].analyzer(word, mode="query")]

    def _word_query(self, fieldname: str, words: Iterable[str], boost: float):
        tokens = [t for w in words for t in self._analyze(fieldname, w)]
        if not tokens:
            return None
        if len(tokens) == 1:
            return query.Term(fieldname, tokens[0], boost=boost)
        return query.Phrase(fieldname, tokens, boost=boost)

    def _fields_for(self, fieldname: str | None, phrase: bool):
        if fieldname == "title":
            return {"title": TITLE_BOOST, "names": NAMES_BOOST}
        if fieldname == "body":
            return {"body": 1.0}
        boosts = {
            "title": TITLE_BOOST,
            "names": NAMES_BOOST,
            "about": ABOUT_BOOST,
            "tags": TAGS_BOOST,
            "body": 1.0,
        }
        if phrase:
            boosts.pop("tags")
        return boosts

    def _convert(self, node):
        if isinstance(node, q.Term | q.Phrase):
            words = [node.word] if isinstance(node, q.Term) else list(node.words)
            if not any(self._analyze("body", w) for w in words):
                return None  # stop words only ("on", "for"): not a tag search either
            fields = self._fields_for(node.field, isinstance(node, q.Phrase))
            subs = [self._word_query(f, words, b) for f, b in fields.items()]
            subs = [s for s in subs if s is not None]
            return (subs[0] if len(subs) == 1 else _or(subs)) if subs else None
        if isinstance(node, q.Not):
            inner = self._convert(node.node)
            return query.Not(inner) if inner is not None else None
        if isinstance(node, q.And | q.Or):
            parts = [p for p in (self._convert(n) for n in node.nodes) if p is not None]
            if not parts:
                return None
            if len(parts) == 1:
                return parts[0]
            return query.And(parts) if isinstance(node, q.And) else _or(parts)
        return None

    def _filters(self, pq: q.ParsedQuery, extra: dict | None):
        positive, negative = [], []
        filters = list(pq.filters) + [q.Filter(k, v) for k, v in (extra or {}).items() if v]
        for f in filters:
            if f.field == registry.KIND:
                term = query.Term("kind", f.value)
            elif f.field == registry.TAG:
                term = query.Term("tags", fold(f.value))
            else:
                term = query.Term("facets", f"{f.field}={fold(f.value)}")
            (negative if f.negated else positive).append(term)
        return positive, negative

    def _with_bonus(self, main, pq: q.ParsedQuery):
        """Added where they match: the exact name, and the document's prior."""
        words = pq.name_words()
        name = normalize_title(" ".join(words)) if words else ""
        if name:
            exact = query.Term("title_exact", name, boost=EXACT_TITLE_BOOST)
            main = query.AndMaybe(main, exact)
        return query.AndMaybe(main, query.Term("prior", "p", boost=PRIOR_BOOST))

    def _final_query(self, pq: q.ParsedQuery, extra: dict | None):
        """The Whoosh query for a parsed query and the request's filters (None: nothing
        to search for)."""
        text = self._convert(pq.text) if pq.text is not None else None
        positive, negative = self._filters(pq, extra)
        if text is None and not positive:
            return None
        main = text if text is not None else query.Every()
        if text is None:
            # Text queries never reach sections (their fields differ); filters alone would.
            negative.append(query.Term("role", SECTION))
        parts = [main, *positive, *(query.Not(n) for n in negative)]
        final = parts[0] if len(parts) == 1 else query.And(parts)
        # The bonuses outermost: Whoosh's AndMaybe loses its optional part on documents
        # an enclosing And reaches by skipping.
        return self._with_bonus(final, pq) if text is not None else final

    def _scored(self, searcher, final, stop: int):
        """(matched docnums, [(stored fields, score)] of the best `stop`, timed out?)."""
        # Common shapes (words, OR, AND, NOT, filters) are scored a posting block at a
        # time (whoosh_scoring): every matching document gets its score, so the total and
        # the facet counts come from the same pass, and the top hits are a heap away.
        # Others (phrases), or any shape when the start-up check turned the speed-ups
        # off, go through Whoosh's collector, recording every match.
        scores = None
        if whoosh_hooks.fast():
            try:
                scores = score_all(searcher, final, excluded=self._matched(searcher).docs)
            except (AttributeError, TypeError, KeyError, IndexError) as exc:
                whoosh_hooks.disable(f"the block scorer failed: {exc!r}")
        self._local.fast_path = scores is not None
        if scores is not None:
            top = best(scores, stop)
            return scores.keys(), [(searcher.stored_fields(d), s) for s, d in top], False
        collector = _RecordingCollector(limit=stop)
        limited = TimeLimitCollector(
            collector, timelimit=settings.SEARCH_TIME_LIMIT, use_alarm=False
        )
        timed_out = False
        try:
            searcher.search_with_collector(final, limited)
        except TimeLimit:
            timed_out = True  # counts are of what was found in time
        return collector.seen, [(hit.fields(), hit.score) for hit in limited.results()], timed_out

    @_guarded
    def search(
        self,
        pq: q.ParsedQuery,
        *,
        page: int = 1,
        pagelen: int = PAGE_LEN,
        extra: dict | None = None,
        facets: bool = True,
    ) -> SearchResults:
        results = SearchResults(query=pq.display(), hits=[], total=0, page=page, pagelen=pagelen)
        searcher = self._searcher()
        final = self._final_query(pq, extra)
        if final is None:
            return results
        stems = sorted(_body_terms(final), key=len)
        start, stop = (page - 1) * pagelen, page * pagelen
        matched, hits, results.timed_out = self._scored(searcher, final, stop)
        results.total = len(matched)
        if facets:
            results.facets = self._matched(searcher).facet_counts(matched)
        results.hits = [self._hit(fields, score, stems) for fields, score in hits[start:stop]]
        return results

    @_guarded
    def best_sections(self, pq: q.ParsedQuery, keys: list[str]) -> dict[str, Hit]:
        """The section of each long page that holds most of the query's words (then most
        often), found in the page's stored text."""
        if not keys or pq.text is None:
            return {}
        searcher = self._searcher()
        final = self._final_query(pq, None)
        stems = set(_body_terms(final)) if final is not None else set()
        found: dict[str, Hit] = {}
        for key in keys:
            fields = searcher.document(key=key)
            spans = (fields or {}).get("sections") or []
            if not spans or not stems:
                continue
            text = fields.get("text", "")
            best, best_score = None, (0, 0)
            for i, (anchor, heading, start) in enumerate(spans):
                end = spans[i + 1][2] if i + 1 < len(spans) else len(text)
                words = [normalize_word(m.group()) for m in TOKEN_RE.finditer(text, start, end)]
                hits = [w for w in words if w in stems]
                score = (len(set(hits)), len(hits))
                if score > best_score:
                    best, best_score = (anchor, heading, start, end), score
            if best is None:
                continue
            anchor, heading, start, end = best
            section = {**fields, "text": text[start:end], "name": heading}
            section["url"] = f"{fields['url'].split('#', 1)[0]}#{anchor}"
            found[key] = self._hit(section, None, sorted(stems, key=len))
        return found

    def _hit(self, fields: dict, score: float | None, stems: list[str] | None = None) -> Hit:
        body = fields.get("text", "")
        try:
            window = _snippet_window(body, stems or [])
            marked = best_passages(
                window,
                stems or [],
                normalize_word,
                word_re=TOKEN_RE,
                maxchars=SNIPPET_CHARS,
                surround=70,
            )
        except Exception as exc:  # highlighting is a nicety; never lose the hit for it
            logger.debug("Highlighting failed: %r", exc)
            marked = ""
        if marked:
            snippet = marked_to_html(marked)
        else:
            snippet = escape(body[:SNIPPET_CHARS]) + ("…" if len(body) > SNIPPET_CHARS else "")
        facets: dict[str, str] = {}
        for token in (fields.get("facets") or "").split(","):
            name, _, value = token.partition("=")
            if value:
                facets.setdefault(name, value)
        return Hit(
            kind=fields["kind"],
            object_id=int(fields["object_id"]),
            title=fields["name"],
            url=fields["url"],
            snippet=snippet,
            score=round(float(score or 0.0), 4),
            facets=facets,
            context=fields.get("context", ""),
        )

    @_guarded
    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        words = normalize_title(prefix[:100]).split()[:6]
        if not words or sum(len(w) for w in words) < 2:
            return []
        terms = [query.Term("title_ngram", w[:15]) for w in words if len(w) >= 2]
        if not terms:
            return []
        searcher = self._searcher()
        found = searcher.search(query.And(terms), limit=max(limit * 5, 50))
        wanted = " ".join(words)
        rows = [h.fields() for h in found]
        return [
            Suggestion(title=f["name"], url=f["url"], kind=f["kind"], context=f.get("context", ""))
            for f in sorted(rows, key=lambda f: _suggestion_order(f, wanted))[:limit]
        ]

    @_guarded
    def correct(self, words: list[str]) -> dict[str, str]:
        searcher = self._searcher()
        reader = searcher.reader()
        corrections: dict[str, str] = {}
        for word in words:
            folded = fold(word)
            if len(folded) < 3 or folded.isdigit() or folded in corrections:
                continue
            if self.is_stop_word(folded):
                continue  # never "did you mean then" for "the"
            known = any(
                reader.doc_frequency(f, t)
                for f in ("title", "body")
                for t in self._analyze(f, word)
            )
            if known:
                continue
            candidates: dict[str, tuple[int, int]] = {}
            for rank, fieldname in enumerate(("title", "body")):
                if candidates:
                    # A title word is close enough: skip the (much larger) body vocabulary.
                    break
                spell = self.schema[fieldname].spelling_fieldname(fieldname)
                # Distance 2 only over the small title vocabulary: over every body word it
                # cost ~0.5 s at 10k pages; one slip of a key is the common typo there.
                maxdist = 2 if len(folded) > 4 and fieldname == "title" else 1
                # prefix=1: trust the first letter, which keeps the scan small (~10x
                # faster). Damerau distance already counts a swapped pair as one edit; only
                # a swap of the first two letters changes the prefix, so probe that one too.
                probes = [(folded, maxdist), (transpositions(folded)[0], maxdist)]
                # Per segment (a multi-segment reader computes a distance per word, ~10x
                # slower), over the segments' word lists held in memory.
                leaves = [leaf for leaf, _ in reader.leaf_readers()]
                found = set().union(
                    *(
                        _words_within(
                            leaves, spell, probe, dist, 1, getattr(self._local, "path", None)
                        )
                        for probe, dist in probes
                    )
                )
                for cand in sorted(found):
                    # The spelling field holds each word once per segment: how common
                    # a word is comes from its indexed (stemmed) form.
                    freq = reader.doc_frequency(fieldname, normalize_word(cand))
                    old = candidates.get(cand)
                    if old is None or (rank, -freq) < old:
                        candidates[cand] = (rank, -freq)
            best = best_correction(folded, candidates)
            if best:
                corrections[word.lower()] = best
        return corrections
