"""Facts from the package index: compare each entry with its package's metadata, propose
every difference (a FactProposal), and apply or refuse a proposal when an editor decides.

Metadata comes in the standard JSON shape of a Python package index
(``<index>/<package>/json``: ``info`` and ``releases``/``urls``), read over HTTP or from
files recorded earlier (``DIR/<package>.json``). Nothing here changes an entry until an
editor accepts a proposal; accepting goes through :func:`catalog.services.entry_save`.

Values are stored as JSON: strings for versions, licences and URLs, an ISO date for
``latest_release``, a sorted list of names ("3.12") for ``python_versions``.
"""

from __future__ import annotations

import datetime
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from catalog import services
from catalog.models import Entry, FactProposal, ProposalStatus, PythonVersion, web_url

FIELDS = (
    "latest_version",
    "latest_release",
    "python_versions",
    "licence",
    "homepage",
    "repository",
)
FIELD_LABELS = {
    "latest_version": "latest version",
    "latest_release": "latest release",
    "python_versions": "Python versions",
    "licence": "licence",
    "homepage": "homepage",
    "repository": "repository",
}
# Keys of info.project_urls, lower-cased with punctuation and spaces removed.
HOMEPAGE_KEYS = ("homepage", "home", "website")
REPOSITORY_KEYS = ("source", "sourcecode", "repository", "code", "github", "gitlab")
PACKAGE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")
PYTHON_CLASSIFIER = re.compile(r"^Programming Language :: Python :: (\d+)\.(\d+)$")
LICENSE_CLASSIFIER = "License :: "
MAX_BYTES = 32 * 1024 * 1024  # a package with thousands of release files is a few MB
USER_AGENT = "pywebframeworks-wiki refresh_facts (catalog upkeep; one request per package)"
# Failures of the index itself (no answer, 5xx; not "not found") in a row after which it
# is not asked again in this run.
GIVE_UP_AFTER = 3


class MetadataError(Exception):
    """The package's metadata could not be read: said per entry, the others go on."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable  # the index itself did not answer


class ProposalError(Exception):
    """A proposal cannot be decided: already decided, stale, or its value is refused."""


# ---------------------------------------------------------------- reading metadata


def valid_package_name(name: str) -> bool:
    return bool(PACKAGE_NAME.match(name or ""))


def normalize(name: str) -> str:
    """A package's name as indexes compare them: "Zope.Interface" → "zope-interface"."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Metadata:
    data: dict
    origin: str  # the URL or file it was read from


def read_recorded(directory: Path, package: str) -> Metadata:
    """``directory/<package>.json``: a recorded copy of the index's answer."""
    if not valid_package_name(package):
        raise MetadataError(f"“{package}” is not a package name")
    path = Path(directory) / f"{package}.json"
    if not path.is_file():  # recorded under the normalized name ("Django" → django.json)
        path = Path(directory) / f"{normalize(package)}.json"
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError as error:
        raise MetadataError(f"no file {path}") from error
    except OSError as error:
        raise MetadataError(f"cannot read {path}: {error.strerror}") from error
    return Metadata(data=_parse(raw, str(path)), origin=str(path))


def index_url_for(index_url: str, package: str) -> str:
    return f"{index_url.rstrip('/')}/{urllib.parse.quote(package, safe='')}/json"


def check_index_url(index_url: str) -> str:
    """The index's base URL if it is absolute http(s), else ValueError."""
    if not web_url(index_url):
        raise ValueError(f"The package index URL must be an absolute http(s) URL: {index_url!r}")
    return index_url.rstrip("/")


def read_index(index_url: str, package: str, *, timeout: float) -> Metadata:
    """One GET of ``<index_url>/<package>/json``; no retries."""
    if not valid_package_name(package):
        raise MetadataError(f"“{package}” is not a package name")
    url = index_url_for(check_index_url(index_url), package)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked: http(s) only
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise MetadataError(f"not found on the index (404 at {url})") from error
        raise MetadataError(  # 5xx: the index is failing; asking on would not help
            f"the index answered {error.code} at {url}", unreachable=error.code >= 500
        ) from error
    except TimeoutError as error:
        raise MetadataError(f"timed out after {timeout:g} s at {url}", unreachable=True) from error
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            message = f"timed out after {timeout:g} s at {url}"
        else:
            message = f"cannot reach {url}: {reason}"
        raise MetadataError(message, unreachable=True) from error
    except (OSError, http.client.HTTPException) as error:  # a connection cut half-way
        raise MetadataError(f"cannot read {url}: {error}", unreachable=True) from error
    return Metadata(data=_parse(raw, url), origin=url)


def _parse(raw: bytes, where: str) -> dict:
    if len(raw) > MAX_BYTES:
        raise MetadataError(f"{where} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MetadataError(f"malformed JSON in {where} ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        raise MetadataError(f"{where} has no “info” object: not package metadata")
    return data


# ---------------------------------------------------------------- metadata → facts


@dataclass
class Facts:
    """What the metadata says, in the catalog's terms; fields it does not say are absent."""

    values: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _text(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _url_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _upload_date(files) -> str | None:
    """The earliest upload date (ISO) among a version's files."""
    dates = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict):
            continue
        stamp = item.get("upload_time_iso_8601") or item.get("upload_time")
        if not isinstance(stamp, str):
            continue
        try:
            dates.append(datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).date())
        except ValueError:
            continue
    return min(dates).isoformat() if dates else None


def _licence(info: dict) -> str:
    """The SPDX expression, else the licence field if it is a name (not a whole text),
    else the most specific licence classifier ("BSD License")."""
    for candidate in (info.get("license_expression"), info.get("license")):
        text = _text(candidate)
        one_line = "\n" not in (candidate or "") and len(text) <= 100
        if text and one_line and text.upper() not in {"UNKNOWN", "NONE"}:
            return text
    for classifier in info.get("classifiers") or []:
        if isinstance(classifier, str) and classifier.startswith(LICENSE_CLASSIFIER):
            name = classifier.rsplit("::", 1)[-1].strip()
            if name and name != "OSI Approved" and len(name) <= 100:
                return name
    return ""


def _urls(info: dict) -> tuple[str, str]:
    urls = info.get("project_urls") if isinstance(info.get("project_urls"), dict) else {}
    by_key = {_url_key(k): web_url(v) for k, v in urls.items() if isinstance(v, str)}
    homepage = next((by_key[k] for k in HOMEPAGE_KEYS if by_key.get(k)), "")
    homepage = homepage or web_url(info.get("home_page") or "")
    repository = next((by_key[k] for k in REPOSITORY_KEYS if by_key.get(k)), "")
    return (homepage if len(homepage) <= 200 else "", repository if len(repository) <= 200 else "")


# Micro releases tried when asking whether some release of a minor version satisfies
# requires_python (">=3.9.2" keeps 3.9).
MICROS = range(0, 100)


def python_allows(requires_python: str, major: int, minor: int) -> bool | None:
    """Whether some release of ``major.minor`` (3.12.0, 3.12.1 …) satisfies
    requires_python; None when it is not a specifier (then nothing is excluded)."""
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    return any(Version(f"{major}.{minor}.{micro}") in spec for micro in MICROS)


def _python_versions(info: dict, known: dict[str, PythonVersion], facts: Facts) -> None:
    """From the classifiers (3.12 …), less those requires_python excludes; only versions
    the catalog knows (PythonVersion rows), the others said in the notes."""
    found: list[tuple[int, int]] = []
    for classifier in info.get("classifiers") or []:
        match = PYTHON_CLASSIFIER.match(classifier) if isinstance(classifier, str) else None
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    if not found:
        if _text(info.get("requires_python")):
            facts.notes.append(
                "no Python version classifiers (requires_python "
                f"{_text(info.get('requires_python'))} alone is not taken as a list)"
            )
        return
    requires = _text(info.get("requires_python"))
    kept, excluded, unknown = [], [], []
    for major, minor in sorted(set(found)):
        name = f"{major}.{minor}"
        if requires and python_allows(requires, major, minor) is False:
            excluded.append(name)
        elif name not in known:
            unknown.append(name)
        else:
            kept.append(name)
    if excluded:
        facts.notes.append(
            f"classifiers name Python {', '.join(excluded)} but requires_python is "
            f"{requires}: left out"
        )
    if unknown:
        facts.notes.append(
            f"Python {', '.join(unknown)} not in the catalog (no Python version row): left out"
        )
    if kept:
        facts.values["python_versions"] = kept


def facts_from(data: dict, known: dict[str, PythonVersion]) -> Facts:
    """The catalog's facts as the package's metadata states them."""
    info = data.get("info") or {}
    facts = Facts()
    version = _text(info.get("version"))
    if version and len(version) <= 40:
        facts.values["latest_version"] = version
        releases = data.get("releases")
        released = _upload_date(releases.get(version)) if isinstance(releases, dict) else None
        released = released or _upload_date(data.get("urls"))
        if released:
            facts.values["latest_release"] = released
    _python_versions(info, known, facts)
    licence = _licence(info)
    if licence:
        facts.values["licence"] = licence
    homepage, repository = _urls(info)
    if homepage:
        facts.values["homepage"] = homepage
    if repository:
        facts.values["repository"] = repository
    return facts


def version_key(text: str) -> Version | None:
    """A comparable release number ("3.1.1", "6.0rc1", "2.0.post1"), or None when it is
    not one: then versions are not compared."""
    try:
        return Version((text or "").strip())
    except InvalidVersion:
        return None


def against_entry(entry: Entry, facts: Facts, known: dict[str, PythonVersion]) -> None:
    """What the metadata says, made into proposals for this entry: the index knows the
    latest release only, so Python versions the entry lists stay (the proposal adds the
    new ones), and a version older than the entry's is not proposed (nor its date)."""
    if "python_versions" in facts.values:
        names = set(facts.values["python_versions"]) | set(current_value(entry, "python_versions"))
        facts.values["python_versions"] = sorted(
            (n for n in names if n in known), key=lambda n: _version_order(known[n])
        )
    proposed, current = facts.values.get("latest_version"), entry.latest_version
    if proposed and current:
        new, old = version_key(proposed), version_key(current)
        if new is not None and old is not None and new < old:
            facts.values.pop("latest_version")
            facts.values.pop("latest_release", None)
            facts.notes.append(
                f"the catalog's version {current} is newer than the index's {proposed}: "
                "not proposed"
            )


# ---------------------------------------------------------------- catalog values


def current_value(entry: Entry, name: str):
    """The entry's value of a field, as a proposal stores it (JSON)."""
    if name == "python_versions":
        return [v.name for v in sorted(entry.python_versions.all(), key=_version_order)]
    value = getattr(entry, name)
    if name == "latest_release":
        return value.isoformat() if value else None
    return value or ""


def _version_order(version: PythonVersion) -> tuple[int, int]:
    return (version.major, version.minor)


def same(name: str, a, b) -> bool:
    """Equal as the catalog means it: licences regardless of case, URLs regardless of a
    trailing slash, Python versions regardless of order."""
    if name == "python_versions":
        return sorted(a or []) == sorted(b or [])
    if name == "licence":
        return _text(a).casefold() == _text(b).casefold()
    if name in {"homepage", "repository"}:
        return (a or "").rstrip("/") == (b or "").rstrip("/")
    return (a or None) == (b or None)


def show(value) -> str:
    if isinstance(value, list):
        return ", ".join(value) if value else "—"
    return str(value) if value not in (None, "") else "—"


# ---------------------------------------------------------------- proposing


class Action:
    NEW = "new"  # a pending proposal created
    REPLACED = "replaced"  # the pending proposal now proposes another value
    SEEN = "seen again"  # the same value pending: its observation time moves
    REJECTED = "rejected before"  # an editor refused this value: not proposed again
    WITHDRAWN = "withdrawn"  # pending, but the catalog now agrees with the index


@dataclass
class Row:
    entry: Entry
    field: str
    current: object
    proposed: object
    action: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    problems: list[tuple[Entry, str]] = field(default_factory=list)  # not read, and why
    notes: list[tuple[Entry, str]] = field(default_factory=list)
    skipped: list[Entry] = field(default_factory=list)  # no package name
    read: int = 0

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def package_name(entry: Entry, *, guess_names: bool = False) -> str:
    """The entry's name on the index: its ``package``; its slug only when asked to guess."""
    return entry.package.strip() or (entry.slug if guess_names else "")


Reader = Callable[[str], Metadata]


def refresh(
    entries: Iterable[Entry],
    read: Reader,
    *,
    dry_run: bool = False,
    guess_names: bool = False,
    now: datetime.datetime | None = None,
) -> Report:
    """Read each entry's metadata and propose what differs. One entry's bad metadata is a
    problem in the report; the others go on. ``dry_run`` writes nothing."""
    now = now or timezone.now()
    known = {v.name: v for v in PythonVersion.objects.all()}
    report = Report()
    unreachable = 0
    for entry in entries:
        package = package_name(entry, guess_names=guess_names)
        if not package:
            report.skipped.append(entry)
            continue
        if unreachable >= GIVE_UP_AFTER:
            report.problems.append(
                (entry, f"not asked: the index failed {GIVE_UP_AFTER} times in a row")
            )
            continue
        try:
            metadata = read(package)
        except MetadataError as error:
            unreachable = unreachable + 1 if error.unreachable else 0
            report.problems.append((entry, str(error)))
            continue
        unreachable = 0
        report.read += 1
        facts = facts_from(metadata.data, known)
        against_entry(entry, facts, known)
        report.notes.extend((entry, note) for note in facts.notes)
        with transaction.atomic():
            for name in FIELDS:
                if name in facts.values:
                    row = _propose(
                        entry, name, facts.values[name], metadata.origin, now, dry_run=dry_run
                    )
                    if row is not None:
                        report.rows.append(row)
    return report


def _propose(entry: Entry, name: str, proposed, origin: str, now, *, dry_run: bool) -> Row | None:
    current = current_value(entry, name)
    pending = FactProposal.objects.filter(
        entry=entry, field=name, status=ProposalStatus.PENDING
    ).first()
    if same(name, current, proposed):
        if pending is None:
            return None
        if not dry_run:
            pending.delete()
        return Row(entry, name, current, pending.proposed, Action.WITHDRAWN)
    row = Row(entry, name, current, proposed, Action.NEW)
    if pending is not None and same(name, pending.proposed, proposed):
        row.action = Action.SEEN
        if not dry_run:
            pending.observed, pending.current, pending.origin = now, current, origin[:300]
            pending.save(update_fields=["observed", "current", "origin"])
        return row
    rejected = FactProposal.objects.filter(
        entry=entry, field=name, status=ProposalStatus.REJECTED
    ).values_list("proposed", flat=True)
    if any(same(name, value, proposed) for value in rejected):
        row.action = Action.REJECTED
        if pending is not None and not dry_run:
            pending.delete()  # an older value, superseded by one an editor refused
        return row
    if dry_run:
        row.action = Action.REPLACED if pending is not None else Action.NEW
        return row
    if pending is not None:
        row.action = Action.REPLACED
        pending.current, pending.proposed = current, proposed
        pending.origin, pending.observed = origin[:300], now
        pending.save(update_fields=["current", "proposed", "origin", "observed"])
    else:
        FactProposal.objects.create(
            entry=entry,
            field=name,
            current=current,
            proposed=proposed,
            origin=origin[:300],
            observed=now,
        )
    return row


# ---------------------------------------------------------------- deciding


def can_decide(user) -> bool:
    """Staff who may change entries accept and reject proposals."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("catalog.change_entry"))


def _lock_pending(proposal: FactProposal) -> FactProposal:
    locked = FactProposal.objects.select_for_update().filter(pk=proposal.pk).first()
    if locked is None:
        raise ProposalError("This proposal no longer exists (a newer run withdrew it).")
    if locked.status != ProposalStatus.PENDING:
        raise ProposalError(f"This proposal was already {locked.get_status_display().lower()}.")
    return locked


def _decide(proposal: FactProposal, status: str, user) -> None:
    proposal.status = status
    proposal.decided_by = user if user and user.is_authenticated else None
    proposal.decided = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided"])


def accept_proposal(proposal: FactProposal, *, user) -> Entry:
    """Apply the proposed value to the entry (through entry_save, which writes a catalog
    Revision by ``user`` via "refresh") and mark the proposal accepted. Refused
    (ProposalError) when the entry's value is no longer the one the proposal was made
    against: an editor changed it since, and it is not overwritten."""
    if proposal.field not in FIELDS:
        raise ProposalError(f"“{proposal.field}” is not a field refresh_facts proposes.")
    # The description is rendered before the transaction (never under the write lock).
    description = Entry.objects.values_list("description", flat=True).get(pk=proposal.entry_id)
    rendered = services.render_description(description)
    label = FIELD_LABELS[proposal.field]
    with transaction.atomic():
        proposal = _lock_pending(proposal)
        entry = Entry.objects.select_for_update().get(pk=proposal.entry_id)
        now_value = current_value(entry, proposal.field)
        if not same(proposal.field, now_value, proposal.current):
            raise ProposalError(
                f"Stale: {entry.name}’s {label} is now {show(now_value)}, not "
                f"{show(proposal.current)} as when this was proposed. Nothing was changed; "
                "run refresh_facts again or edit the entry."
            )
        after_save = None
        if proposal.field == "python_versions":
            names = list(proposal.proposed or [])
            versions = list(PythonVersion.objects.filter(name__in=names))
            if len(versions) != len(set(names)):
                missing = sorted(set(names) - {v.name for v in versions})
                raise ProposalError(f"Python {', '.join(missing)} is no longer in the catalog.")

            def after_save(e: Entry) -> None:
                e.python_versions.set(versions)

        elif proposal.field == "latest_release":
            try:
                entry.latest_release = datetime.date.fromisoformat(str(proposal.proposed))
            except ValueError as error:
                raise ProposalError(f"“{proposal.proposed}” is not a date.") from error
        else:
            setattr(entry, proposal.field, proposal.proposed)
        if entry.description != description:
            rendered = None  # edited meanwhile: entry_save renders it again
        try:
            services.entry_save(
                entry=entry,
                rendered=rendered,
                after_save=after_save,
                actor=user,
                via="refresh",
                comment=f"Accepted from the package index: {label} "
                f"{show(proposal.proposed)} ({proposal.origin})"[:300],
            )
        except ValidationError as error:
            raise ProposalError(
                f"{entry.name}’s {label} cannot be {show(proposal.proposed)}: "
                + " ".join(error.messages)
            ) from error
        _decide(proposal, ProposalStatus.ACCEPTED, user)
    return entry


def reject_proposal(proposal: FactProposal, *, user) -> None:
    """Refuse the value: the entry stays, and refresh_facts does not propose it again."""
    with transaction.atomic():
        proposal = _lock_pending(proposal)
        _decide(proposal, ProposalStatus.REJECTED, user)


def pending_proposals():
    return FactProposal.objects.filter(status=ProposalStatus.PENDING).select_related("entry")
