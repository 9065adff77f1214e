"""The Whoosh backend when Whoosh is not what it expects, and when a commit fails: plain
Whoosh answers (never "the index is damaged"), the fast path gives what an unpatched
Whoosh in another process gives, and a failed commit leaves no lock and no stray files."""

import errno
import json
import logging
import pickle
import random
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from core.models import Task
from search import api, indexer
from search.backends import whoosh_hooks, whoosh_scoring
from search.documents import Document

WORDS = [
    "python",
    "web",
    "framework",
    "flask",
    "django",
    "template",
    "engine",
    "async",
    "views",
    "routing",
    "the",
    "of",
]


def _docs(n=200):
    rng = random.Random(7)
    docs = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 60))]
        docs.append(
            Document(
                kind=["page", "framework", "component"][i % 3],
                object_id=i,
                title=" ".join(words[:2]),
                body=" ".join(words),
                url=f"/x/{i}/",
                tags=["async"] if i % 4 == 0 else [],
                facets={"status": ["active" if i % 2 else "inactive"]},
                names=["webpy"] if i % 11 == 0 else [],
                prior=(i % 5) / 4,
            )
        )
    return docs


@pytest.fixture
def filled(whoosh_backend):
    docs = _docs()
    whoosh_backend.index(docs[:120])
    whoosh_backend.index(docs[120:])  # a second segment
    whoosh_backend.remove([d.key for d in docs[40:45]])  # deletions
    return whoosh_backend


# Every query shape the site sends, and whether the fast path scores it.
SHAPES = [
    ("python", True),
    ("web framework", True),
    ("flask OR django", True),
    ("python -django", True),
    ("title:template", True),
    ("async kind:framework", True),
    ("engine -kind:page status:active", True),
    ("webpy", True),
    ("python tag:async", True),
    ('"web framework"', False),  # phrases: Whoosh's own matcher
]

PLAIN_WHOOSH = textwrap.dedent(
    """
    import json, pickle, sys
    from whoosh.filedb.filestore import FileStorage
    queries = pickle.load(open(sys.argv[2], "rb"))
    ix = FileStorage(sys.argv[1], supports_mmap=False).open_index()
    assert "search.backends.whoosh_fixes" not in sys.modules  # no patch in this process
    out = []
    with ix.searcher() as searcher:
        for q in queries:
            hits = searcher.search(q, limit=None)[:10]
            out.append([[searcher.stored_fields(h.docnum)["key"], h.score] for h in hits])
    json.dump(out, sys.stdout)
    """
)


def test_fast_path_matches_unpatched_whoosh_in_another_process(filled, tmp_path):
    assert whoosh_hooks.setup()
    ours, queries = [], []
    for text, fast in SHAPES:
        parsed = api.expand(api.parse(text))
        results = filled.search(parsed, page=1, pagelen=10)
        assert filled._local.fast_path is fast, text
        ours.append([[f"{h.kind}:{h.object_id}", h.score] for h in results.hits])
        queries.append(filled._final_query(parsed, None))
    path = tmp_path / "queries.pickle"
    path.write_bytes(pickle.dumps(queries))
    child = subprocess.run(
        [sys.executable, "-c", PLAIN_WHOOSH, str(filled._current_path()), str(path)],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    theirs = json.loads(child.stdout)
    for (text, _), mine, plain in zip(SHAPES, ours, theirs, strict=True):
        assert [k for k, _ in mine] == [k for k, _ in plain], text
        assert [s for _, s in mine] == [round(s, 4) for _, s in plain], text
    assert sum(1 for hits in ours if hits) >= len(SHAPES) - 1


def test_unexpected_whoosh_internals_fall_back_to_plain_whoosh(filled, monkeypatch, caplog):
    expected = {
        text: [h.object_id for h in filled.search(api.expand(api.parse(text))).hits]
        for text, _ in SHAPES
    }
    # As if a Whoosh release changed how a field length is packed into its byte: Whoosh
    # reads its own format right, the fast path's copy of the table would score wrong.
    monkeypatch.setattr(whoosh_scoring, "_LENGTHS", [x * 2 for x in whoosh_scoring._LENGTHS])
    whoosh_hooks.reset()
    try:
        with caplog.at_level(logging.WARNING):
            assert whoosh_hooks.setup() is False
            assert whoosh_hooks.setup() is False  # checked once
        warnings = [r for r in caplog.records if "plain Whoosh" in r.getMessage()]
        assert len(warnings) == 1
        for text, _ in SHAPES:
            outcome = api.run_search(text)
            assert outcome.unavailable is None, text  # never "damaged"
            assert filled._local.fast_path is False
            assert [h.object_id for h in outcome.results.hits][:3] == expected[text][:3], text
        assert api.run_search("pythn").results.suggestion == "python"  # spelling too
    finally:
        monkeypatch.undo()
        whoosh_hooks.reset()
        whoosh_hooks.setup()


def test_a_failure_at_run_time_turns_the_speed_ups_off_not_search(filled, monkeypatch):
    assert whoosh_hooks.setup()

    def broken(*args, **kwargs):
        raise AttributeError("'W3LeafMatcher' object has no attribute '_ids'")

    monkeypatch.setattr("search.backends.whoosh.score_all", broken)
    try:
        outcome = api.run_search("python")
        assert outcome.unavailable is None
        assert outcome.results.total > 0
        assert whoosh_hooks.fast() is False
    finally:
        whoosh_hooks.reset()
        whoosh_hooks.setup()


# ---------------------------------------------------------------- a failed commit


def _lock_is_free(backend) -> bool:
    ix = FileStorage(str(backend._current_path())).open_index()
    lock = ix.lock("WRITELOCK")
    if lock.acquire(blocking=False):
        lock.release()
        return True
    return False


def _unreferenced_files(backend) -> list[str]:
    """Files of segments the index does not list, and temporary directories."""
    storage = FileStorage(str(backend._current_path()))
    toc = TOC.read(storage, "MAIN")
    live = {s.segment_id() for s in toc.segments}
    stray = []
    for name in storage.list():
        if name.endswith(".tmp") or (
            name.startswith("MAIN_")
            and not name.endswith("WRITELOCK")
            and not any(seg in name for seg in live)
        ):
            stray.append(name)
    return stray


def test_a_failed_commit_releases_the_lock_and_the_next_drain_repairs(
    whoosh_backend, make_page, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_page(title="Before", body="steady")
    assert _lock_is_free(whoosh_backend)
    real_write = TOC.write
    calls = []

    def disk_full(self, storage, indexname):
        calls.append(1)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(TOC, "write", disk_full)
    with django_capture_on_commit_callbacks(execute=True):
        make_page(title="During", body="filling the disk")
    assert calls  # the commit really failed
    assert Task.objects.filter(topic="search.index").exists()  # kept for the repair
    assert _lock_is_free(whoosh_backend)  # later saves need not wait for a timeout
    assert _unreferenced_files(whoosh_backend) == []  # the half-written segment is gone
    # Saves while the disk is still full: each fails at once, none waits for the lock.
    with django_capture_on_commit_callbacks(execute=True):
        make_page(title="Also During", body="filling the disk")
    assert _lock_is_free(whoosh_backend)
    monkeypatch.setattr(TOC, "write", real_write)
    with django_capture_on_commit_callbacks(execute=True):
        make_page(title="After", body="steady again")  # indexed at once: no lock to wait for
    assert "After" in {h.title for h in api.run_search("steady").results.hits}
    # The failed tasks wait for their retry (the outbox's back-off); --update repairs now.
    call_command("search_index", "--update", verbosity=0)
    call_command("search_index", "--check", verbosity=0)
    found = {h.title for h in api.run_search("steady OR filling").results.hits}
    assert found == {"Before", "During", "Also During", "After"}
    assert indexer.drain() == 0
