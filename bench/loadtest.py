"""`make loadtest`: locust against gunicorn on loopback, once on SQLite and once on
PostgreSQL (a throwaway database, dropped afterwards).

For each database: migrate, load the fixtures, build the search index, start gunicorn
(config/gunicorn.py, DEBUG off), log the admin in once, run bench/locustfile.py headless
(32 users for 60 s by default), then check: no errors, p99 within the bound, every save
the server acknowledged present as a revision, `search_index --check` clean, and no
traceback or LockError in the server log. Prints a summary, writes var/loadtest/*.json,
exits 1 when a requirement fails.

    python -m bench.loadtest [--db sqlite|postgres|both] [--users 32] [--seconds 60]
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.live import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
P99_LIMIT_MS = 250.0
QUERIES = [
    "flask", "django", "template", "async", "orm", "jinja2", "wsgi server", "micro",
    "pyramid", "kind:framework status:active", "templating engine", "zope", "web2py",
    "cherrypy", "session", "\"full stack\"", "mako OR genshi", "tornado", "framwork",
]  # fmt: skip


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )


def django_script(env: dict, code: str) -> str:
    out = subprocess.run(
        [str(BIN / "python"), "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def prepare_database(db: str, workdir: Path) -> tuple[str, callable]:
    if db == "sqlite":
        return f"sqlite:///{workdir / 'db.sqlite3'}", lambda: None
    import psycopg

    name = f"loadtest_{os.getpid()}"
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    parts = urllib.parse.urlsplit(PG_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), drop


def login(base: str, username: str, password: str) -> tuple[str, str]:
    """Log in once, as a browser would; every simulated editor shares the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/admin/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    req = urllib.request.Request(base + "/admin/login/?next=/admin/", data=data)
    req.add_header("Referer", base + "/admin/login/")
    opener.open(req, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("admin log-in failed")
    return cookies["sessionid"], cookies["csrftoken"]


def make_plan(env: dict) -> dict:
    return json.loads(
        django_script(
            env,
            """
import json
from catalog.models import Entry
from wiki.models import Page
pages = list(Page.objects.order_by("pk").values_list("pk", "slug"))
views = ["/", "/wiki/", "/wiki/_recent/", "/catalog/", "/catalog/components/",
         "/catalog/matrix/", "/catalog/compare/?f=django&f=flask&f=pyramid", "/catalog/upkeep/"]
names = {}
for _, slug in pages:
    views.append(f"/wiki/{slug}/"); names[f"/wiki/{slug}/"] = "/wiki/[slug]/"
for e in Entry.objects.all():
    url = e.get_absolute_url(); views.append(url)
    names[url] = "/catalog/[framework]/" if e.type == "framework" else "/catalog/components/[c]/"
print(json.dumps({"views": views, "view_names": names,
                  "edit_pks": [pk for pk, _ in pages][:40]}))
""",
        )
    )


def read_stats(prefix: Path) -> dict:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    by_name = {}
    for row in rows:
        by_name[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "max_ms": float(row["Max Response Time"] or 0),
            "rps": float(row["Requests/s"] or 0),
        }
    failures = []
    failures_csv = prefix.parent / f"{prefix.name}_failures.csv"
    if failures_csv.exists():
        failures = list(csv.DictReader(failures_csv.open()))
    return {"endpoints": by_name, "failures": failures}


def run_one(db: str, args, out_dir: Path) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"loadtest-{db}-"))
    database_url, drop = prepare_database(db, workdir)
    password = "loadtest-" + os.urandom(8).hex()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "loadtest-only-" + "k" * 40,
        "DEBUG": "",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(workdir / "var"),
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(workdir / "index"),
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ADMIN_USERNAME": "loadtest",
        "ADMIN_PASSWORD": password,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("TEST_DATABASE_NAME", None)
    result: dict = {"database": db, "users": args.users, "seconds": args.seconds}
    server = None
    try:
        log(f"{db}: migrate, fixtures, index")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "bootstrap", "-v0")
        manage(env, "search_index", "--rebuild", "-v0")
        worker = None
        if args.worker:
            # The follow-up work (indexing, re-rendering) in its own process, as in
            # production, instead of a background thread in each web worker.
            env["OUTBOX_DRAIN"] = "off"
            worker = subprocess.Popen(
                [str(BIN / "python"), "manage.py", "work", "-v0", "--idle", "0.2"],
                cwd=ROOT,
                env={**env, "OUTBOX_DRAIN": ""},
                stdout=subprocess.DEVNULL,
                stderr=open(workdir / "worker.log", "w"),  # noqa: SIM115
            )
        server = Gunicorn(
            env=env,
            log_path=workdir / "gunicorn.log",
            workers=args.workers or None,
            access_log="/dev/null",
        ).__enter__()
        base = server.base
        sessionid, csrftoken = login(base, "loadtest", password)
        plan = {**make_plan(env), "queries": QUERIES, "host": base}
        plan.update(sessionid=sessionid, csrftoken=csrftoken)
        # Warm every worker a little (first-request imports), outside the measurement.
        for path in plan["views"][:20] * 2:
            urllib.request.urlopen(base + path, timeout=30).read()
        plan_file, acks_file = workdir / "plan.json", workdir / "acks.json"
        plan_file.write_text(json.dumps(plan))
        prefix = workdir / "locust"
        log(f"{db}: locust, {args.users} users for {args.seconds} s against {base}")
        started = time.monotonic()
        locust = subprocess.run(
            [
                str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
                "--host", base, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
                "--loglevel", "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOADTEST_PLAN": str(plan_file), "LOADTEST_ACKS": str(acks_file),
                 "LOADTEST_THINK": str(args.think)},
            capture_output=True,
            text=True,
            timeout=args.seconds + 120,
        )  # fmt: skip
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        stats = read_stats(prefix)
        total = stats["endpoints"].get("Aggregated", {})
        acks = json.loads(acks_file.read_text()) if acks_file.exists() else {"acked": []}
        found = json.loads(
            django_script(
                {**env, "ACKED": json.dumps(acks["acked"])},
                "import json, os\nfrom wiki.models import Revision\n"
                "acked = json.loads(os.environ['ACKED'])\n"
                "print(json.dumps(Revision.objects.filter(comment__in=acked).count()))",
            )
        )
        server.__exit__()
        server = None
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        # What a stopped server's background threads left, a `manage.py work` finishes.
        manage(env, "work", "--once", "-v0")
        check = manage(env, "search_index", "--check", check=False)
        server_text = (workdir / "gunicorn.log").read_text(errors="replace")
        result.update(
            requests=total.get("requests", 0),
            errors=total.get("failures", 0),
            rps=round(total.get("rps", 0), 1),
            p50_ms=total.get("p50_ms"),
            p95_ms=total.get("p95_ms"),
            p99_ms=total.get("p99_ms"),
            max_ms=total.get("max_ms"),
            endpoints={k: v for k, v in stats["endpoints"].items() if k != "Aggregated"},
            failures=stats["failures"][:20],
            saves_acknowledged=len(acks["acked"]),
            saves_found=found,
            save_conflicts=len(acks.get("conflicts", [])),
            index_check_exit=check.returncode,
            index_check_output=(check.stdout + check.stderr).strip()[-500:],
            server_tracebacks=server_text.count("Traceback"),
            server_lock_errors=server_text.count("LockError"),
            locust_exit=locust.returncode,
        )
        result["ok"] = bool(
            result["requests"] > 0
            and result["errors"] == 0
            and (result["p99_ms"] or 0) <= P99_LIMIT_MS
            and found == len(acks["acked"])
            and check.returncode == 0
            and result["server_tracebacks"] == 0
            and result["server_lock_errors"] == 0
        )
        if locust.returncode not in (0, 1):
            result["locust_stderr"] = locust.stderr[-2000:]
        return result
    finally:
        if server is not None:
            server.__exit__()
        drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept {workdir}")


def summary(r: dict) -> str:
    if "requests" not in r:
        return f"{r['database']:9} did not run: {r.get('error')}"
    return (
        f"{r['database']:9} {r['requests']:6} requests ({r['rps']}/s), {r['errors']} errors, "
        f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, "
        f"saves acknowledged {r['saves_acknowledged']} / found {r['saves_found']} "
        f"({r['save_conflicts']} conflicts refused), index check exit {r['index_check_exit']}, "
        f"tracebacks {r['server_tracebacks']} — {'OK' if r.get('ok') else 'FAILED'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=0.3, help="mean think time, s")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (config)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest")
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    parser.add_argument(
        "--worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run `manage.py work` beside gunicorn (the web workers then leave follow-up work "
        "to it, OUTBOX_DRAIN=off), as production does; --no-worker: background threads",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        if db == "postgres":
            try:
                import psycopg

                psycopg.connect(PG_URL, connect_timeout=3).close()
            except Exception as exc:
                log(f"postgres skipped: no server at {PG_URL} ({exc})")
                results.append({"database": db, "ok": False, "error": f"no server: {exc}"})
                continue
        results.append(run_one(db, args, args.out))
        log(summary(results[-1]))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"when": stamp, "p99_limit_ms": P99_LIMIT_MS, "results": results}
    for name in (f"loadtest-{stamp}.json", "latest.json"):
        (args.out / name).write_text(json.dumps(payload, indent=1))
    print("\n== loadtest summary")
    for r in results:
        print(summary(r))
    print(f"(JSON in {args.out / 'latest.json'})")
    return 0 if all(r.get("ok") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
