"""Hostile Markdown shapes, rendered by Python-Markdown with and without wiki/markdown_fixes.py.

    .venv/bin/python -m bench.markdown_shapes [--limit SECONDS] [--only NAME …]

Prints a table: shape, size, CPU seconds before (Python-Markdown as released) and after (with
the fixes), and whether the two gave the same HTML. Times the parser alone (md.convert), in
this process, in CPU time (a shared machine's load does not count); "before" gives up after
--limit CPU seconds (default 60) and prints "> limit".
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time


def _headings(n: int) -> str:
    return "".join(f"# Heading {i}\n" for i in range(n))


# name → (what it is, body). Sizes are those of the attack report where it gave one.
SHAPES = {
    "setext-h1": ('"a\\n=\\n" × 10,000', lambda: "a\n=\n" * 10_000),
    "setext-h1-20k": ('"a\\n=\\n" × 20,000', lambda: "a\n=\n" * 20_000),
    "dash-lines": ('"-\\n" × 20,000', lambda: "-\n" * 20_000),
    "atx-headings": ("10,000 `#` headings, no blank lines", lambda: _headings(10_000)),
    "amp-entities": ('1 MB of "&amp;"', lambda: "&amp;" * 200_000),
    "backslashes": ("200 KB of backslashes", lambda: "\\" * 200_000),
    "table-test": ('"|x\\n# h|\\n" × 5,000 (one-column table test)', lambda: "|x\n# h|\n" * 5_000),
    "rules": ('"***\\n" × 10,000', lambda: "***\n" * 10_000),
    "rule-text": ('"---\\na\\n" × 10,000', lambda: "---\na\n" * 10_000),
    "code-heading": ('"    c\\n# x\\n" × 5,000', lambda: "    c\n# x\n" * 5_000),
    "refdef-text": (
        "5,000 reference definitions, text between",
        lambda: "".join(f"[r{i}]: http://example.org/{i}\na\n" for i in range(5_000)),
    ),
    "quoted-headings": ('"> # a\\n" × 10,000', lambda: "> # a\n" * 10_000),
    "line-breaks": ('"a  \\n" × 20,000 (hard breaks)', lambda: "a  \n" * 20_000),
}


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def _markdown(fixed: bool):
    from wiki import markdown_fixes, markup

    real_install = markdown_fixes.install
    markup._local.md = None
    if not fixed:
        markdown_fixes.install = lambda md: md
    try:
        return markup._markdown()
    finally:
        markdown_fixes.install = real_install
        markup._local.md = None


def _convert(md, body: str, limit: float) -> tuple[float | None, str | None]:
    from wiki import markup
    from wiki.links import MissingPageUrls, registry

    targets = markup.Targets(prefixes=registry.specs(), missing=MissingPageUrls.current())
    markup._local.collector = markup._LinkCollector(targets)
    md.reset()
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, limit)
    start = time.process_time()
    try:
        html = md.convert(body)
    except _Timeout:
        return None, None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return time.process_time() - start, html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    before, after = _markdown(fixed=False), _markdown(fixed=True)
    print("| Shape | Size | Before (CPU) | After (CPU) | Same HTML |")
    print("| --- | --- | --- | --- | --- |")
    for name, (label, make) in SHAPES.items():
        if args.only and name not in args.only:
            continue
        body = make()
        t_after, html_after = _convert(after, body, args.limit)
        t_before, html_before = _convert(before, body, args.limit)
        if t_before is None:
            before = _markdown(fixed=False)  # interrupted mid-parse: start clean
        same = "—" if html_before is None else ("yes" if html_before == html_after else "NO")
        shown_before = f"> {args.limit:.0f} s" if t_before is None else f"{t_before:.2f} s"
        shown_after = "—" if t_after is None else f"{t_after:.2f} s"
        size = f"{len(body.encode()) / 1000:,.0f} KB"
        label = label.replace("|", "\\|")
        print(f"| {label} | {size} | {shown_before} | {shown_after} | {same} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
