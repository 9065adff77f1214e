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
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_MISSING = object()


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


apply()
