"""The chooser: which frameworks have what a reader needs, ranked, and why the rest do not.

Reads only. :func:`read_query` turns GET-style params into a :class:`Query` and a list of
what it ignored (never an error); :func:`rank` is the pure ranking over frameworks and
cells already loaded; :func:`choose` loads them — a bounded number of queries, whatever
the number of frameworks or capabilities asked about — and ranks.

The rule:

* A framework **meets** a capability when its cell says Default or Yes (a cell written
  with “?” still counts, flagged as uncertain; a value the source's legend does not
  define does not count).
* A **required** capability not met, a Python version not listed, a status not asked for
  or a licence not matching leaves the framework **out**, with one reason per failed
  criterion, each linking to its evidence.
* The rest are **ranked** by score — the number of preferred capabilities met, plus
  ``DEFAULT_BONUS`` for each met by default (at most 40 × 0.01, so a default only
  decides between frameworks meeting as many preferences) — then by how many of the
  asked-about cells are known (a level other than Unknown or Unclear), then by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from catalog.matrix import cell_label
from catalog.models import (
    Capability,
    Entry,
    EntryType,
    Level,
    PythonVersion,
    Status,
    Support,
)

PARAMS = ("require", "prefer", "python", "status", "licence")
MEETS = (Level.DEFAULT, Level.YES)
UNKNOWN_LEVELS = (Level.UNKNOWN, Level.UNCLEAR)
DEFAULT_BONUS = 0.01
MAX_VALUES = 40  # capability values read (require and prefer together); the rest are ignored
MAX_LENGTH = 60  # longer values are ignored (a capability's slug is at most 60)
SHOWN_LENGTH = 30  # an ignored value is quoted up to this many characters
NO_CELL = "no cell yet (unknown)"
PYTHON_FORMAT = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}")


# ---------------------------------------------------------------- the query


@dataclass(frozen=True)
class Ignored:
    """A value the chooser did not use, and why: ``require=foo (no such capability)``."""

    param: str
    value: str
    why: str

    def __str__(self) -> str:
        return f"{self.param}={self.value} ({self.why})" if self.param else self.why

    def as_json(self) -> dict:
        return {"param": self.param, "value": self.value, "why": self.why, "text": str(self)}


@dataclass
class Query:
    require: list[Capability] = field(default_factory=list)
    prefer: list[Capability] = field(default_factory=list)
    python: str = ""
    status: list[str] = field(default_factory=list)
    licence: str = ""

    @property
    def asked(self) -> list[Capability]:
        return [*self.require, *self.prefer]

    def __bool__(self) -> bool:
        return bool(self.asked or self.python or self.status or self.licence)

    def as_json(self) -> dict:
        return {
            "require": [c.slug for c in self.require],
            "prefer": [c.slug for c in self.prefer],
            "python": self.python or None,
            "status": self.status,
            "licence": self.licence or None,
        }


def _values(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        values = params.get(name, [])
        values = [values] if isinstance(values, str) else list(values)
    return [str(v).strip() for v in values]


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_LENGTH else value[: SHOWN_LENGTH - 1] + "…"


def read_query(
    params: Mapping,
    *,
    capabilities: Mapping[str, Capability],
    python_versions: Iterable[str],
) -> tuple[Query, list[Ignored]]:
    """The query the params ask for, and what was ignored. ``capabilities``: every
    capability by slug; ``python_versions``: the names of the catalog's versions. At most
    MAX_VALUES different capability values are read; empty values and repeats are
    skipped quietly."""
    query, ignored = Query(), []
    seen: set[str] = set()
    read = 0
    for name, chosen in (("require", query.require), ("prefer", query.prefer)):
        values = list(dict.fromkeys(v for v in _values(params, name) if v))
        for position, value in enumerate(values):
            if read >= MAX_VALUES:
                rest = len(values) - position
                ignored.append(
                    Ignored(
                        name,
                        "…",
                        f"{rest} more value{'s' if rest != 1 else ''}: "
                        f"at most {MAX_VALUES} capabilities are read",
                    )
                )
                break
            read += 1
            if len(value) > MAX_LENGTH:
                ignored.append(Ignored(name, _shown(value), "too long"))
                continue
            capability = capabilities.get(value)
            if capability is None:
                ignored.append(Ignored(name, _shown(value), "no such capability"))
            elif value in seen:
                if name == "prefer" and any(c.slug == value for c in query.require):
                    ignored.append(Ignored(name, value, "already required"))
            else:
                seen.add(value)
                chosen.append(capability)

    versions = set(python_versions)
    pythons = list(dict.fromkeys(v for v in _values(params, "python")[:MAX_VALUES] if v))
    for value in pythons:
        if len(value) > MAX_LENGTH:
            ignored.append(Ignored("python", _shown(value), "too long"))
        elif not PYTHON_FORMAT.fullmatch(value):
            ignored.append(Ignored("python", _shown(value), "not a Python version"))
        elif value not in versions:
            ignored.append(Ignored("python", value, "no such Python version in the catalog"))
        elif query.python:
            ignored.append(Ignored("python", value, "one Python version at a time"))
        else:
            query.python = value

    for value in dict.fromkeys(v for v in _values(params, "status")[:MAX_VALUES] if v):
        if value in Status.values:
            query.status.append(value)
        else:
            ignored.append(Ignored("status", _shown(value), "no such status"))

    licences = list(dict.fromkeys(v for v in _values(params, "licence")[:MAX_VALUES] if v))
    for value in licences:
        if len(value) > MAX_LENGTH:
            ignored.append(Ignored("licence", _shown(value), "too long"))
        elif query.licence:
            ignored.append(Ignored("licence", _shown(value), "one licence at a time"))
        else:
            query.licence = value
    return query, ignored


# ---------------------------------------------------------------- verdicts


@dataclass
class Verdict:
    """One framework against one capability asked about."""

    framework: Entry
    capability: Capability
    cell: Support | None

    @property
    def met(self) -> bool:
        return (
            self.cell is not None and self.cell.level in MEETS and not self.cell.undefined_in_source
        )

    @property
    def by_default(self) -> bool:
        return self.met and self.cell.level == Level.DEFAULT

    @property
    def uncertain(self) -> bool:
        return self.cell is not None and self.cell.uncertain

    @property
    def known(self) -> bool:
        return (
            self.cell is not None
            and self.cell.level not in UNKNOWN_LEVELS
            and not self.cell.undefined_in_source
        )

    @property
    def label(self) -> str:
        return cell_label(self.cell) if self.cell is not None else NO_CELL

    @property
    def level(self) -> str | None:
        return self.cell.level if self.cell is not None else None

    @property
    def evidence(self) -> str:
        if self.cell is None:
            return ""
        return self.cell.get_evidence_url() or self.cell.get_page_url()

    @property
    def text(self) -> str:
        return f"{self.capability.name}: {self.label}"

    @property
    def css(self) -> str:
        if self.cell is None:
            return "lv-none"
        if self.cell.undefined_in_source:
            return "lv-undefined"
        return "lv-" + self.cell.level.lower() + (" is-uncertain" if self.cell.uncertain else "")

    def as_json(self) -> dict:
        return {
            "capability": self.capability.slug,
            "name": self.capability.name,
            "level": self.level,
            "label": self.label,
            "uncertain": self.uncertain,
            "evidence": self.evidence or None,
        }


@dataclass
class Reason:
    """Why a framework is left out, one failed criterion: a capability's slug, or
    ``python``, ``status``, ``licence``."""

    criterion: str
    value: str
    text: str
    evidence: str = ""
    css: str = ""  # a capability's: the cell's colour (catalog.css's lv-* classes)
    capability: bool = False

    def as_json(self) -> dict:
        return {
            "criterion": self.criterion,
            "value": self.value,
            "text": self.text,
            "evidence": self.evidence or None,
        }


@dataclass
class Ranked:
    framework: Entry
    score: float
    known: int
    required: list[Verdict]
    met: list[Verdict]  # preferred, met
    missed: list[Verdict]  # preferred, not met

    @property
    def uncertain(self) -> list[Verdict]:
        return [v for v in (*self.required, *self.met) if v.uncertain]

    def as_json(self) -> dict:
        return {
            "slug": self.framework.slug,
            "name": self.framework.name,
            "url": self.framework.get_absolute_url(),
            "status": self.framework.status,
            "latest_version": self.framework.latest_version or None,
            "score": self.score,
            "known": self.known,
            "required": [v.as_json() for v in self.required],
            "met": [v.as_json() for v in self.met],
            "missed": [v.as_json() for v in self.missed],
        }


@dataclass
class LeftOut:
    framework: Entry
    reasons: list[Reason]

    def as_json(self) -> dict:
        return {
            "slug": self.framework.slug,
            "name": self.framework.name,
            "url": self.framework.get_absolute_url(),
            "reasons": [r.as_json() for r in self.reasons],
        }


@dataclass
class Choice:
    query: Query
    ignored: list[Ignored]
    results: list[Ranked]
    left_out: list[LeftOut]

    def compare_slugs(self) -> list[str]:
        """The top two to four, for a comparison; none when fewer than two are left in."""
        top = [r.framework.slug for r in self.results[:4]]
        return top if len(top) >= 2 else []

    def as_json(self) -> dict:
        return {
            "query": self.query.as_json(),
            "ignored": [i.as_json() for i in self.ignored],
            "results": [r.as_json() for r in self.results],
            "left_out": [o.as_json() for o in self.left_out],
        }


# ---------------------------------------------------------------- ranking


def _failures(
    framework: Entry, query: Query, required: list[Verdict], python_ids: set[int] | None
) -> list[Reason]:
    reasons = [
        Reason(v.capability.slug, v.label, v.text, v.evidence, v.css, capability=True)
        for v in required
        if not v.met
    ]
    page = framework.get_absolute_url()
    if query.python and python_ids is not None and framework.pk not in python_ids:
        reasons.append(Reason("python", query.python, f"Python {query.python} not listed", page))
    if query.status and framework.status not in query.status:
        reasons.append(Reason("status", framework.status, f"status {framework.status}", page))
    if query.licence and query.licence.casefold() not in framework.licence.casefold():
        text = f"licence {framework.licence}" if framework.licence else "licence not stated"
        reasons.append(Reason("licence", framework.licence, text, page))
    return reasons


def rank(
    query: Query,
    frameworks: Iterable[Entry],
    cells: Iterable[Support],
    *,
    python_ids: set[int] | None = None,
) -> tuple[list[Ranked], list[LeftOut]]:
    """Rank ``frameworks`` for ``query`` from ``cells`` (their cells for the capabilities
    asked about) and ``python_ids`` (the frameworks listing ``query.python``). Pure: no
    queries beyond what the objects already hold."""
    grid = {(c.framework_id, c.capability_id): c for c in cells}
    results, left_out = [], []
    for framework in frameworks:

        def verdicts(capabilities: list[Capability], fw: Entry = framework) -> list[Verdict]:
            return [Verdict(fw, c, grid.get((fw.pk, c.pk))) for c in capabilities]

        required, preferred = verdicts(query.require), verdicts(query.prefer)
        reasons = _failures(framework, query, required, python_ids)
        if reasons:
            left_out.append(LeftOut(framework, reasons))
            continue
        met = [v for v in preferred if v.met]
        score = len(met) + DEFAULT_BONUS * sum(v.by_default for v in met)
        results.append(
            Ranked(
                framework=framework,
                score=round(score, 2),
                known=sum(v.known for v in (*required, *preferred)),
                required=required,
                met=met,
                missed=[v for v in preferred if not v.met],
            )
        )
    results.sort(key=lambda r: (-r.score, -r.known, r.framework.name.casefold(), r.framework.pk))
    # The nearest misses first: one reason before two.
    left_out.sort(key=lambda o: (len(o.reasons), o.framework.name.casefold(), o.framework.pk))
    return results, left_out


def capabilities_by_slug() -> dict[str, Capability]:
    """Every capability with its group, in the grid's order (one query)."""
    return {c.slug: c for c in Capability.objects.select_related("group")}


def choose(
    params: Mapping,
    *,
    capabilities: Mapping[str, Capability] | None = None,
    python_versions: Iterable[str] | None = None,
) -> Choice:
    """Read ``params`` and rank every framework: at most five queries (capabilities,
    Python versions, frameworks, their cells for the capabilities asked about, and the
    frameworks listing the Python version asked about)."""
    if capabilities is None:
        capabilities = capabilities_by_slug()
    if python_versions is None:
        python_versions = PythonVersion.objects.values_list("name", flat=True)
    query, ignored = read_query(params, capabilities=capabilities, python_versions=python_versions)
    frameworks = list(Entry.objects.filter(type=EntryType.FRAMEWORK).order_by("name", "pk"))
    cells: list[Support] = []
    if query.asked:
        cells = list(
            Support.objects.filter(
                framework__type=EntryType.FRAMEWORK,
                capability_id__in=[c.pk for c in query.asked],
            ).select_related("framework", "capability", "evidence_page", "superseded_by")
        )
    python_ids = None
    if query.python:
        python_ids = set(
            Entry.python_versions.through.objects.filter(
                pythonversion__name=query.python
            ).values_list("entry_id", flat=True)
        )
    results, left_out = rank(query, frameworks, cells, python_ids=python_ids)
    return Choice(query=query, ignored=ignored, results=results, left_out=left_out)
