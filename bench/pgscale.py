"""The PostgreSQL search backend at scale: 100k and 1M search documents.

    python -m bench.pgscale --sizes 100000,1000000 [--database-url URL] [--repeat 30]

A throwaway database gets the site's fixtures (indexed as usual, so the judged query set
has its answers), then generated documents loaded straight into the backend's table in
batches (COPY into a staging table, the tsvectors computed by the server), the GIN indexes
built after each load. At each size: p50/p99 of the bench's query shapes run in-process
through search.api (as the search page runs them: candidates, ranking, facets, snippets,
did-you-mean), the judged set's relevance, the table's and indexes' size. JSON in
var/bench/pgscale.json (or --out). `make bench` runs it after the page benchmark.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 20_000
STAGE_COLUMNS = [
    "key", "kind", "object_id", "parent", "title", "context", "title_norm", "exact", "body",
    "tags", "facets", "prior", "url", "updated", "digest", "title_text", "about_text",
    "body_text",
]  # fmt: skip
INDEX_MIGRATIONS = (
    "0002_postgres_indexes",
    "0005_postgres_indexes_synonyms",
    "0006_postgres_head_index",
)


def log(message: str) -> None:
    print(f"[pgscale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _index_sql() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for name in INDEX_MIGRATIONS:
        module = importlib.import_module(f"search.migrations.{name}")
        forward += module.FORWARD
        backward += module.BACKWARD
    return forward, backward


def generated(gen, start: int, stop: int):
    """Search documents like a wiki's: a title, a summary and a few paragraphs (~1 KB)."""
    from bench.corpus import REAL_TERMS, TAGS, page_title
    from search.documents import Document

    kinds = ("page", "page", "page", "framework", "component")
    for i in range(start, stop):
        rng = random.Random(gen.seed * 1_000_003 + i)
        topic = rng.sample(gen.topic_pool, 8) + rng.sample(REAL_TERMS, 2)
        body = " ".join(gen._sentence(rng, topic) for _ in range(rng.randint(4, 12)))
        kind = kinds[i % len(kinds)]
        facets = {"status": [rng.choice(("active", "inactive", "unknown"))]}
        if kind == "framework":
            facets["fkind"] = [rng.choice(("micro", "full-stack", "async"))]
        yield Document(
            kind=kind,
            object_id=10_000_000 + i,
            title=page_title(gen.vocab, i),
            body=body,
            url=f"/generated/{i}/",
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            facets=facets,
            about=gen._sentence(rng, topic, 4, 8),
            prior=round(rng.random() ** 3, 3),
        )


def load(cursor, gen, start: int, stop: int) -> float:
    """Generated documents start..stop into the backend's table; returns seconds."""
    from search.backends.postgres import CONFIG, TABLE, row_values

    started = time.perf_counter()
    types = {"prior": "double precision", "object_id": "bigint", "updated": "timestamptz"}
    cursor.execute(
        "CREATE UNLOGGED TABLE IF NOT EXISTS bench_stage ("
        + ", ".join(f"{c} {types.get(c, 'text')}" for c in STAGE_COLUMNS)
        + ")"
    )
    columns = ", ".join(STAGE_COLUMNS[:15])
    docs = generated(gen, start, stop)
    done = start
    while done < stop:
        n = min(BATCH, stop - done)
        cursor.execute("TRUNCATE bench_stage")
        with cursor.copy(f"COPY bench_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
            for _ in range(n):
                values = row_values(next(docs))
                # Columns, then the texts of the vectors (every other item after them).
                copy.write_row([*values[:15], values[16], values[20], values[22]])
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}, names, vector) "
            f"SELECT {columns}, setweight(to_tsvector('{CONFIG}', title_text), 'A'), "
            f"setweight(to_tsvector('{CONFIG}', title_text), 'A') || "
            f"setweight(to_tsvector('{CONFIG}', about_text), 'B') || "
            f"setweight(to_tsvector('{CONFIG}', body_text), 'C') FROM bench_stage"
        )
        done += n
        if done % 100_000 == 0 or done == stop:
            rate = (done - start) / (time.perf_counter() - started)
            log(f"loaded {done:,} documents ({rate:,.0f}/s)")
    cursor.execute("DROP TABLE bench_stage")
    return time.perf_counter() - started


def sizes_of(cursor) -> dict:
    from search.backends.postgres import TABLE

    cursor.execute(
        "SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s)",
        [TABLE, TABLE, TABLE],
    )
    total, table, indexes = cursor.fetchone()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass ORDER BY 2 DESC",
        [TABLE],
    )
    mb = 1024 * 1024
    return {
        "total_mb": round(total / mb, 1),
        "table_mb": round(table / mb, 1),
        "indexes_mb": round(indexes / mb, 1),
        "by_index_mb": {name: round(size / mb, 1) for name, size in cursor.fetchall()},
    }


def measure(queries: dict[str, str], repeat: int) -> dict:
    from search import api

    per_shape, every = {}, []
    for label, text in queries.items():
        api.run_search(text)  # warm this shape's plan and caches
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            outcome = api.run_search(text)
            times.append(time.perf_counter() - t)
        every += times
        results = outcome.results
        per_shape[label] = {
            "query": text,
            "total": results.total if results else None,
            "capped": results.capped if results else None,
            "p50_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(pct(times, 0.99) * 1000, 2),
        }
    return {
        "p50_ms": round(pct(every, 0.5) * 1000, 2),
        "p99_ms": round(pct(every, 0.99) * 1000, 2),
        "queries": per_shape,
    }


def relevance() -> dict:
    from bench.relevance.run import answer_urls, judge, load_queries, metrics
    from search import api

    rows = []
    for q in load_queries():
        outcome = api.run_search(q["query"], pagelen=10)
        hits = outcome.results.hits if outcome.results else []
        ranked = [h.url.split("#")[0].split("?")[0] for h in hits]
        rows.append({**q, **judge(ranked, answer_urls(q["answers"]))})
    return {
        "tune": metrics([r for r in rows if r["set"] == "tune"]),
        "held": metrics([r for r in rows if r["set"] == "held"]),
        "all": metrics(rows),
    }


def run(
    sizes: list[int], database_url: str, repeat: int, seed: int, keep: str = "", reuse: str = ""
) -> dict:
    """keep: leave the database, under this name; reuse: measure a kept database as it is."""
    import psycopg

    name = reuse or keep or f"pgscale_{os.getpid()}"
    if not reuse:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlunsplit(urllib.parse.urlsplit(database_url)._replace(path=f"/{name}"))
    try:
        return _run(sizes, url, repeat, seed, reuse=bool(reuse))
    finally:
        if not (keep or reuse):
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(sizes: list[int], url: str, repeat: int, seed: int, reuse: bool = False) -> dict:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        SEARCH_BACKEND="postgres",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "pgscale-only-" + "x" * 40,
        LOG_LEVEL="ERROR",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.corpus import Generator
    from core import outbox
    from search.models import SearchWord

    if reuse:
        gen = Generator(1000, seed)
        out = {"queries": gen.queries(), "repeat": repeat, "sizes": {}, "reused": True}
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_searchdocument")
            (count,) = cursor.fetchone()
            size_info = sizes_of(cursor)
        out["sizes"][str(count)] = {
            "documents": count,
            "size": size_info,
            **measure(out["queries"], repeat),
            "relevance": relevance(),
        }
        return out
    log("migrating, loading the fixtures, indexing them")
    call_command("migrate", verbosity=0, interactive=False)
    call_command(
        "loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0
    )
    outbox.drain()  # the follow-up work of loading: rendering, links
    call_command("search_index", "--rebuild", verbosity=0)
    gen = Generator(min(max(sizes), 1000), seed)
    SearchWord.objects.bulk_create(
        [SearchWord(word=w) for w in gen.vocab.words if w.isalpha() and 3 <= len(w) <= 30],
        ignore_conflicts=True,
    )
    queries = gen.queries()
    forward, backward = _index_sql()
    out: dict = {"queries": queries, "repeat": repeat, "sizes": {}}
    loaded = 0
    for size in sorted(sizes):
        with connection.cursor() as cursor:
            for sql in backward:
                cursor.execute(sql)
            log(f"loading documents {loaded:,}..{size:,}")
            load_s = load(cursor, gen, loaded, size)
            log("building the indexes")
            t = time.perf_counter()
            for sql in forward:
                cursor.execute(sql)
            cursor.execute("ANALYZE search_searchdocument")
            index_s = time.perf_counter() - t
            size_info = sizes_of(cursor)
        loaded = size
        log(f"measuring at {size:,} documents")
        figures = {
            "documents": size,
            "load_s": round(load_s, 1),
            "index_build_s": round(index_s, 1),
            "size": size_info,
            **measure(queries, repeat),
            "relevance": relevance(),
        }
        out["sizes"][str(size)] = figures
        log(
            f"{size:,}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"{size_info['total_mb']} MB, relevance s@3 "
            f"{figures['relevance']['all']['success@3']} MRR {figures['relevance']['all']['mrr']}"
        )
    return out


def report(out: dict) -> str:
    lines = ["PostgreSQL search at scale (in-process, through search.api)"]
    lines.append(
        f"{'documents':>10} {'p50 ms':>8} {'p99 ms':>8} {'size MB':>8} {'s@3':>6} {'MRR':>6}"
    )
    for size, f in out["sizes"].items():
        r = f["relevance"]["all"]
        lines.append(
            f"{int(size):>10,} {f['p50_ms']:>8} {f['p99_ms']:>8} {f['size']['total_mb']:>8} "
            f"{r['success@3']:>6} {r['mrr']:>6}"
        )
        for label, q in f["queries"].items():
            lines.append(
                f"{'':>10}   {label:<12} {q['query']!r:<24} p50 {q['p50_ms']} p99 {q['p99_ms']}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", default="", help="keep the database under this name")
    parser.add_argument("--reuse", default="", help="measure a kept database, loading nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "pgscale.json")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    out = run(sizes, args.database_url, args.repeat, args.seed, args.keep, args.reuse)
    out["started"] = time.strftime("%FT%T%z")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(report(out))
    print(f"\nFigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
