"""`make relevance`: the judged query set (queries.tsv) against each search backend.

For each backend a fresh database with the site's fixtures (SQLite for Whoosh; a
throwaway PostgreSQL database for PostgreSQL, dropped afterwards), the index rebuilt, then
every query run as the search page runs it (first page, 10 results). Prints success@1,
success@3, MRR and nDCG@10 for the tuning set, the held-out fifth and all; lists the
misses; writes var/bench/relevance-<backend>.json.

    python -m bench.relevance.run [--backend whoosh|postgres|both] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERIES = Path(__file__).with_name("queries.tsv")
OUT = ROOT / "var" / "bench"
DEPTH = 10


def load_queries(path: Path = QUERIES) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("query\t"):
            continue
        query, answers, part, kind = line.split("\t")
        rows.append({"query": query, "answers": answers.split(), "set": part, "type": kind})
    return rows


def answer_urls(answers: list[str]) -> set[str]:
    from django.urls import reverse

    names = {"f": "catalog:framework-detail", "c": "catalog:component-detail", "p": "wiki:page"}
    return {reverse(names[a[0]], kwargs={"slug": a[2:]}) for a in answers}


def judge(ranked: list[str], wanted: set[str]) -> dict:
    """Binary relevance: the first relevant rank, and nDCG@10 over all relevant results."""
    first = next((i + 1 for i, url in enumerate(ranked) if url in wanted), None)
    dcg = sum(1 / math.log2(i + 2) for i, url in enumerate(ranked[:DEPTH]) if url in wanted)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(wanted), DEPTH)))
    return {"rank": first, "ndcg": dcg / ideal if ideal else 0.0}


def metrics(rows: list[dict]) -> dict:
    n = len(rows) or 1
    ranks = [r["rank"] for r in rows]
    return {
        "queries": len(rows),
        "success@1": round(sum(1 for k in ranks if k == 1) / n, 3),
        "success@3": round(sum(1 for k in ranks if k and k <= 3) / n, 3),
        "mrr": round(sum(1 / k for k in ranks if k) / n, 3),
        "ndcg@10": round(sum(r["ndcg"] for r in rows) / n, 3),
    }


def evaluate(backend: str) -> dict:
    """Inside a configured Django process: build the site's content and index, run the set."""
    import django

    django.setup()
    from django.core.management import call_command

    from core import outbox
    from search import api
    from search.backends import get_backend

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    fixtures = sorted(str(p) for p in (ROOT / "fixtures").glob("*.json"))
    call_command("loaddata", *fixtures, verbosity=0)
    outbox.drain()  # the follow-up work of loading: rendering, links
    call_command("search_index", "--rebuild", verbosity=0)
    assert get_backend().name == backend
    rows = []
    for q in load_queries():
        wanted = answer_urls(q["answers"])
        t = time.perf_counter()
        outcome = api.run_search(q["query"], pagelen=DEPTH)
        ms = (time.perf_counter() - t) * 1000
        hits = outcome.results.hits if outcome.results else []
        ranked = [h.url.split("#")[0].split("?")[0] for h in hits]
        rows.append(
            {**q, **judge(ranked, wanted), "ms": round(ms, 1), "top": [h.title for h in hits[:3]]}
        )
    return {
        "backend": backend,
        "setup_s": round(time.monotonic() - started, 1),
        "tune": metrics([r for r in rows if r["set"] == "tune"]),
        "held": metrics([r for r in rows if r["set"] == "held"]),
        "all": metrics(rows),
        "by_type": {t: metrics([r for r in rows if r["type"] == t]) for t in _types(rows)},
        "misses": [
            {"query": r["query"], "set": r["set"], "rank": r["rank"], "top": r["top"]}
            for r in rows
            if not r["rank"] or r["rank"] > 3
        ],
        "rows": rows,
    }


def _types(rows):
    return list(dict.fromkeys(r["type"] for r in rows))


def _child(backend: str, database_url: str, workdir: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "SEARCH_BACKEND": backend,
        "SEARCH_INDEX_DIR": str(workdir / "index"),
        "VAR_DIR": str(workdir),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "relevance-only-" + "x" * 40,
        "LOG_LEVEL": "ERROR",
        "SEARCH_INDEX_PROCS": "1",
    }
    out = workdir / "result.json"
    code = f"import json, sys; from bench.relevance.run import evaluate; json.dump(evaluate({backend!r}), open({str(out)!r}, 'w'))"  # noqa: E501
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)
    return json.loads(out.read_text())


def run_backend(backend: str, pg_url: str) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"relevance-{backend}-") as tmp:
        workdir = Path(tmp)
        if backend == "whoosh":
            return _child(backend, f"sqlite:///{workdir / 'db.sqlite3'}", workdir)
        import psycopg

        name = f"relevance_{os.getpid()}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            return _child(backend, pg_url.rsplit("/", 1)[0] + f"/{name}", workdir)
        finally:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(result: dict) -> str:
    lines = [f"== {result['backend']}"]
    head = f"{'':<10}{'queries':>8}{'s@1':>7}{'s@3':>7}{'MRR':>7}{'nDCG@10':>9}"
    lines.append(head)
    for part in ("tune", "held", "all"):
        m = result[part]
        lines.append(
            f"{part:<10}{m['queries']:>8}{m['success@1']:>7.3f}{m['success@3']:>7.3f}"
            f"{m['mrr']:>7.3f}{m['ndcg@10']:>9.3f}"
        )
    targets = result["all"]["success@3"] >= 0.90 and result["all"]["mrr"] >= 0.80
    lines.append(f"targets (s@3 ≥ 0.90, MRR ≥ 0.80): {'met' if targets else 'MISSED'}")
    lines.append("by type: " + ", ".join(
        f"{t} {m['success@3']:.2f}/{m['mrr']:.2f}" for t, m in result["by_type"].items()
    ))  # fmt: skip
    if result["misses"]:
        lines.append(f"misses (not in the top 3): {len(result['misses'])}")
        for miss in result["misses"]:
            rank = miss["rank"] or "-"
            lines.append(f"  [{miss['set']}] {miss['query']!r}: rank {rank}; top {miss['top']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["whoosh", "postgres", "both"], default="both")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args(argv)
    backends = ["whoosh", "postgres"] if args.backend == "both" else [args.backend]
    OUT.mkdir(parents=True, exist_ok=True)
    for backend in backends:
        result = run_backend(backend, args.database_url)
        path = OUT / f"relevance-{backend}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(report(result))
        print(f"written to {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
