"""Small, targeted fixes to whoosh-reloaded 2.7.5, applied once when the backend loads.

W3PerDocReader._cached_reader remembers the column readers it opened, but not the columns
that do not exist: for a field without a length column (our ID and KEYWORD fields are not
scorable) every call asks the storage again, i.e. one os.path.exists per posting when a
segment merge copies postings (FieldWriter.add_postings → doc_field_length) — ~12 % of an
index commit in a profile of the import. A segment's files never change once written, so
"no such column" can be cached as safely as an open reader.

The length columns (one byte per document and scorable field) are read the same way for
every posting a merge copies and for every document a query scores: without mmap (which
we turn off, see WhooshBackend._open) each lookup is a seek and a read. They are loaded
into memory once per segment reader instead: 1 byte a document.

Nothing is patched on import: search.backends.whoosh_hooks checks once per process that
whoosh's internals are what these fixes and whoosh_scoring expect, then calls apply() —
or leaves Whoosh as it is, with one warning.

abandon_writer() releases a failed writer (whoosh's own commit() keeps its lock when it
fails half-way, e.g. on a full disk).
"""

from __future__ import annotations

import logging

from whoosh.codec import whoosh3
from whoosh.index import TOC, clean_files

logger = logging.getLogger(__name__)

_MISSING = object()
_ORIGINAL = whoosh3.W3PerDocReader._cached_reader


class _LoadedLengths:
    """A one-byte-per-document column held in memory: reader[docnum] → int."""

    __slots__ = ("_data", "_default", "_doccount")

    def __init__(self, data: bytes, doccount: int, default: int):
        self._data = data
        self._doccount = doccount
        self._default = default

    def __getitem__(self, docnum: int) -> int:
        try:
            return self._data[docnum]
        except IndexError:
            return self._default

    def __len__(self) -> int:
        return self._doccount

    def __iter__(self):
        yield from self._data[: self._doccount]
        yield from [self._default] * max(0, self._doccount - len(self._data))


def _load_lengths(reader):
    return _LoadedLengths(
        reader._dbfile.get(reader._basepos, reader._count), reader._doccount, reader._default
    )


def _cached_reader(self, fieldname, column):
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        if reader is not None and column is whoosh3.LENGTHS_COLUMN:
            reader = _load_lengths(reader)
        self._readers[fieldname] = reader
    return reader


def apply() -> None:
    cls = whoosh3.W3PerDocReader
    if getattr(cls._cached_reader, "_search_fix", False):
        return
    _cached_reader._search_fix = True
    cls._cached_reader = _cached_reader


def undo() -> None:
    whoosh3.W3PerDocReader._cached_reader = _ORIGINAL


def abandon_writer(writer) -> None:
    """Close a writer that failed anywhere (adding, merging, writing the TOC): its lock
    released, its temporary files and the new segment's half-written files removed. Each
    step on its own: one that fails (a closed file, a full disk) does not stop the next."""
    if getattr(writer, "is_closed", True):
        return
    try:
        writer.cancel()  # closes the segment, removes the temp storage, releases the lock
    except Exception as exc:
        logger.debug("Cancelling the failed index writer failed: %r", exc)
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        try:
            lock.release()
        except OSError as exc:
            logger.warning("Could not release the index write lock: %r", exc)
    temp = getattr(writer, "_tempstorage", None)
    if temp is not None:
        try:
            temp.destroy()
        except OSError as exc:
            logger.debug("Removing the writer's temporary files failed: %r", exc)
    writer.is_closed = True
    storage, indexname = writer.storage, writer.indexname
    try:
        toc = TOC.read(storage, indexname)
        clean_files(storage, indexname, toc.generation, toc.segments)
    except Exception as exc:
        logger.warning("Could not remove the failed commit's files: %r", exc)
