"""A deterministic wiki corpus for the benchmark: N pages in the `import_pages` JSONL format.

    python -m bench.corpus --pages 10000 --seed 1 --out var/bench/corpus-10000.jsonl

Each page is 3–10 KB of Markdown (headings, paragraphs, lists, fenced code, tables, quotes),
with 5–30 cross-links (``[[Title]]``, ``[[Title|label]]``, CamelCase WikiWords, a few catalog
links, about one in eight to pages that do not exist), 1–4 tags and a summary.

Vocabulary: English function words first, then a few thousand pseudo-words and real web
framework terms, ranked and sampled with Zipf weights (s ≈ 1.05), so a handful of words are
everywhere and most are rare. Speed: sampling word by word costs ~0.4 µs a word, 40 s for
100k pages, so the generator samples one long Zipf word stream once and cuts each sentence
from a random offset of it, mixing in page-specific topic words; 100k pages take ~20 s.

Page i's title is a function of i alone (two six-letter pseudo-words, unique and never
colliding once case and spaces are dropped), so links can name pages not generated yet:
a link to page j ≥ N is a link to a missing page.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MIN_BYTES = 3_000
MAX_BYTES = 10_000
MIN_LINKS = 5
MAX_LINKS = 30
ZIPF_S = 1.05
STREAM_WORDS = 3_000_000
PSEUDO_WORDS = 5_000

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "be",
    "on",
    "by",
    "this",
    "are",
    "or",
    "not",
    "from",
    "at",
    "which",
    "an",
    "can",
    "but",
    "its",
    "when",
    "one",
    "all",
    "will",
    "there",
    "so",
    "if",
    "more",
    "than",
    "into",
    "also",
    "only",
    "each",
    "other",
    "these",
    "then",
    "how",
    "some",
    "any",
    "may",
    "like",
    "just",
    "should",
    "most",
    "both",
    "very",
    "between",
]
# Real terms, lowercase (a capitalised pair in prose would become a WikiWord link).
COMMON_TERMS = ["python", "django", "request", "response", "view"]
REAL_TERMS = [
    "flask",
    "fastapi",
    "starlette",
    "pyramid",
    "bottle",
    "tornado",
    "sanic",
    "aiohttp",
    "falcon",
    "quart",
    "litestar",
    "cherrypy",
    "web2py",
    "masonite",
    "emmett",
    "responder",
    "hug",
    "molten",
    "turbogears",
    "zope",
    "plone",
    "wagtail",
    "jinja2",
    "mako",
    "chameleon",
    "genshi",
    "sqlalchemy",
    "peewee",
    "ponyorm",
    "tortoise",
    "alembic",
    "marshmallow",
    "pydantic",
    "attrs",
    "wsgi",
    "asgi",
    "uvicorn",
    "gunicorn",
    "hypercorn",
    "daphne",
    "werkzeug",
    "webob",
    "gevent",
    "eventlet",
    "asyncio",
    "trio",
    "anyio",
    "middleware",
    "routing",
    "router",
    "endpoint",
    "template",
    "templates",
    "orm",
    "migration",
    "migrations",
    "queryset",
    "serializer",
    "validation",
    "authentication",
    "session",
    "cookie",
    "csrf",
    "cors",
    "websocket",
    "streaming",
    "caching",
    "cache",
    "redis",
    "memcached",
    "celery",
    "dramatiq",
    "postgresql",
    "sqlite",
    "mysql",
    "httpx",
    "requests",
    "urllib",
    "json",
    "yaml",
    "toml",
    "openapi",
    "swagger",
    "graphql",
    "grpc",
    "rest",
    "blueprint",
    "decorator",
    "dependency",
    "injection",
    "handler",
    "callback",
    "coroutine",
    "event",
    "loop",
    "thread",
    "worker",
    "process",
    "deployment",
    "container",
    "docker",
    "kubernetes",
    "nginx",
    "proxy",
    "static",
    "upload",
    "download",
    "form",
    "widget",
    "admin",
    "permission",
    "throttling",
    "pagination",
    "filter",
    "sorting",
    "search",
    "index",
    "logging",
    "metrics",
    "tracing",
    "profiling",
    "benchmark",
    "latency",
    "throughput",
    "concurrency",
    "async",
    "await",
    "generator",
    "iterator",
    "context",
    "manager",
    "plugin",
    "extension",
    "signal",
    "hook",
    "settings",
    "configuration",
    "environment",
    "testing",
    "fixture",
    "mock",
    "client",
    "server",
    "socket",
    "http",
    "https",
    "header",
    "status",
    "redirect",
]
TAGS = [
    "async",
    "sync",
    "micro",
    "full-stack",
    "orm",
    "templates",
    "routing",
    "middleware",
    "deployment",
    "testing",
    "security",
    "performance",
    "websockets",
    "rest",
    "graphql",
    "admin",
    "forms",
    "auth",
    "caching",
    "database",
    "migrations",
    "tutorial",
    "reference",
    "history",
    "comparison",
    "internals",
    "howto",
    "faq",
    "glossary",
    "design-patterns",
    "wsgi",
    "asgi",
    "plugins",
    "validation",
    "serialization",
    "streaming",
]
CATALOG_LINKS = ("framework:flask", "framework:django", "framework:fastapi", "component:jinja2")
SUFFIXES = ("", "", "", " Guide", " Patterns", " Internals", " Notes", " Basics", " Recipes")
CONSONANTS = "bcdfgklmnprstvz"
VOWELS = "aeiou"


def _pseudo_words(rng: random.Random, count: int, syllables: tuple[int, ...]) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < count:
        n = rng.choice(syllables)
        word = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(n))
        if rng.random() < 0.3:
            word += rng.choice("nrslt")
        words[word] = None
    return list(words)


@dataclass
class Vocabulary:
    words: list[str]  # ranked, most frequent first
    cum_weights: list[float]
    title_words: list[str]  # 400 capitalised six-letter words for page titles

    @classmethod
    def build(cls, seed: int) -> Vocabulary:
        rng = random.Random(seed)
        pseudo = _pseudo_words(rng, PSEUDO_WORDS, (1, 2, 2, 3, 3, 4))
        ranked_tail = pseudo + [t for t in REAL_TERMS if t not in pseudo]
        rng.shuffle(ranked_tail)
        words = FUNCTION_WORDS[:12] + COMMON_TERMS + FUNCTION_WORDS[12:] + ranked_tail
        weights = [1.0 / (rank**ZIPF_S) for rank in range(1, len(words) + 1)]
        cum = list(itertools.accumulate(weights))
        title_rng = random.Random(seed * 7919 + 1)
        titles: dict[str, None] = {}
        while len(titles) < 400:
            w = "".join(title_rng.choice(CONSONANTS) + title_rng.choice(VOWELS) for _ in range(3))
            titles[w.capitalize()] = None
        return cls(words=words, cum_weights=cum, title_words=list(titles))

    def rank_of(self, word: str) -> int:
        return self.words.index(word)


def page_title(vocab: Vocabulary, i: int) -> str:
    """Title of page i: unique for i < 160,000; never equal to another once folded."""
    n = (i * 7_919 + 12_345) % 160_000  # an affine permutation: neighbours differ
    first, second = vocab.title_words[n % 400], vocab.title_words[n // 400]
    return f"{first} {second}{SUFFIXES[(i * 31) % len(SUFFIXES)]}"


def wiki_word(title: str) -> str:
    return "".join(part.capitalize() for part in title.split())


class Generator:
    def __init__(self, pages: int, seed: int = 1):
        self.pages = pages
        self.seed = seed
        self.vocab = Vocabulary.build(seed)
        stream_rng = random.Random(seed * 31 + 7)
        size = min(STREAM_WORDS, max(200_000, pages * 60))
        self.stream = stream_rng.choices(
            self.vocab.words, cum_weights=self.vocab.cum_weights, k=size
        )
        # Mid- and low-frequency words: what makes one page's text its own.
        self.topic_pool = self.vocab.words[200:]
        self.titles = [page_title(self.vocab, i) for i in range(pages)]

    # ---------------------------------------------------------------- text pieces

    def _sentence(self, rng: random.Random, topic: list[str], lo: int = 6, hi: int = 20) -> str:
        # random() and int() rather than randrange()/choice(): 4× faster, and this is the
        # generator's inner loop.
        r = rng.random
        nt = len(topic)
        n = lo + int(r() * (hi - lo + 1))
        start = int(r() * (len(self.stream) - n))
        words = self.stream[start : start + n]
        # One or two page-topic words per sentence.
        words[int(r() * n)] = topic[int(r() * nt)]
        roll = r()
        if roll < 0.5:
            words[int(r() * n)] = topic[int(r() * nt)]
        if roll < 0.04:
            k = int(r() * n)
            words[k] = f"`{words[k]}_{topic[int(r() * nt)]}()`"
        elif roll > 0.92:
            k = int(r() * n)
            words[k] = f"**{words[k]}**"
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def _link(self, rng: random.Random, page: int) -> str:
        roll = rng.random()
        if roll < 0.03:
            return f"[[{rng.choice(CATALOG_LINKS)}]]"
        if roll < 0.15:  # a page that does not exist (yet)
            target = self.pages + rng.randrange(max(self.pages // 5, 10))
        elif roll < 0.55:  # popular pages get most links (long backlink lists)
            target = min(int(rng.paretovariate(1.2)) - 1, self.pages - 1)
        else:
            target = rng.randrange(self.pages)
        if target == page:
            target = (target + 1) % self.pages
        title = self.titles[target] if target < self.pages else page_title(self.vocab, target)
        style = rng.random()
        if style < 0.3:
            return wiki_word(title)
        if style < 0.45:
            return f"[[{title}|{rng.choice(self.topic_pool)} {rng.choice(self.topic_pool)}]]"
        return f"[[{title}]]"

    def _paragraph(self, rng, topic, links: list[str]) -> str:
        sentences = [self._sentence(rng, topic) for _ in range(rng.randint(2, 6))]
        for _ in range(min(len(links), rng.choice((0, 0, 1, 1, 2)))):
            k = rng.randrange(len(sentences))
            sentences[k] = sentences[k][:-1] + ", see " + links.pop() + "."
        return " ".join(sentences)

    def _list(self, rng, topic, links: list[str]) -> str:
        numbered = rng.random() < 0.3
        items = []
        for n in range(1, rng.randint(3, 7) + 1):
            text = self._sentence(rng, topic, 3, 10)
            if links and rng.random() < 0.25:
                text = f"{links.pop()}: {text}"
            if rng.random() < 0.15:
                text = f"[{'x' if rng.random() < 0.5 else ' '}] {text}"
            items.append(f"{n}. {text}" if numbered else f"- {text}")
        return "\n".join(items)

    def _code(self, rng, topic) -> str:
        name = "_".join(rng.sample(topic, 2))
        arg = rng.choice(topic)
        lines = [
            f"def {name}(request, {arg}=None):",
            f'    """{self._sentence(rng, topic, 3, 8)}"""',
        ]
        for _ in range(rng.randint(2, 8)):
            a, b = rng.choice(topic), rng.choice(self.topic_pool)
            lines.append(f"    {a} = {b}.get({arg!r}, {rng.randint(0, 999)})")
        lines.append(f"    return Response({rng.choice(topic)}, status=200)")
        return "```python\n" + "\n".join(lines) + "\n```"

    def _table(self, rng, topic) -> str:
        cols = rng.randint(2, 4)
        head = [rng.choice(topic).capitalize() for _ in range(cols)]
        rows = ["| " + " | ".join(head) + " |", "|" + "---|" * cols]
        for _ in range(rng.randint(2, 6)):
            cells = [" ".join(rng.sample(self.topic_pool, 2)) for _ in range(cols - 1)]
            rows.append(f"| {rng.choice(topic)} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    # ---------------------------------------------------------------- pages

    def page(self, i: int) -> dict:
        rng = random.Random(self.seed * 1_000_003 + i)
        topic = rng.sample(self.topic_pool, 12) + rng.sample(REAL_TERMS, 3)
        links = [self._link(rng, i) for _ in range(rng.randint(MIN_LINKS, MAX_LINKS))]
        reserve = sum(len(link) + 4 for link in links) + 20  # room for the "See also" list
        target = rng.randint(MIN_BYTES, MAX_BYTES - reserve - 900)
        blocks = [self._paragraph(rng, topic, links)]
        size = len(blocks[0])
        while size < target:
            roll = rng.random()
            if roll < 0.12:
                block = f"## {self._sentence(rng, topic, 2, 5)[:-1]}"
            elif roll < 0.2:
                block = f"### {self._sentence(rng, topic, 2, 4)[:-1]}"
            elif roll < 0.55:
                block = self._paragraph(rng, topic, links)
            elif roll < 0.72:
                block = self._list(rng, topic, links)
            elif roll < 0.82:
                block = self._code(rng, topic)
            elif roll < 0.92:
                block = self._table(rng, topic)
            else:
                block = "> " + self._sentence(rng, topic)
            blocks.append(block)
            size += len(block) + 2
        if links:
            blocks.append("## See also\n\n" + "\n".join(f"- {link}" for link in links))
        body = "\n\n".join(blocks) + "\n"
        if len(body) < MIN_BYTES:  # a short draw: pad with prose (no links)
            body += "\n" + self._paragraph(rng, topic, []) * 2 + "\n"
        tags = rng.sample(TAGS, rng.randint(1, 4))
        return {
            "title": self.titles[i],
            "summary": self._sentence(rng, topic, 5, 12),
            "tags": tags,
            "body": body,
        }

    def __iter__(self) -> Iterator[dict]:
        for i in range(self.pages):
            yield self.page(i)

    # ---------------------------------------------------------------- queries

    def queries(self) -> dict[str, str]:
        """The fixed search query set, with words known to be in this corpus."""
        words = self.vocab.words
        tail = [w for w in words[60:] if w.isalpha() and len(w) >= 5]
        bigram = next(
            f'"{a} {b}"'
            for a, b in zip(self.stream[1000:], self.stream[1001:], strict=False)
            if a in REAL_TERMS and b.isalpha() and len(b) > 3 and b not in FUNCTION_WORDS
        )
        return {
            "one word": "middleware",
            "two words": "async template",
            "phrase": bigram,
            "misspelling": "midleware",
            "rare term": tail[3000] if len(tail) > 3000 else tail[-1],
            "very common": "python",
        }


CHUNK = 2_000
_worker_gen: Generator | None = None


def _init_worker(pages: int, seed: int) -> None:
    global _worker_gen
    _worker_gen = Generator(pages, seed)


def _chunk(start: int) -> str:
    gen = _worker_gen
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    end = min(start + CHUNK, gen.pages)
    return "".join(dumps(gen.page(i)) + "\n" for i in range(start, end))


def write_corpus(path: Path, pages: int, seed: int = 1, processes: int | None = None) -> int:
    """Write N pages as JSON Lines; returns bytes written. Large corpora are generated in
    one process per core; page i depends only on (seed, i), so the output is identical."""
    path.parent.mkdir(parents=True, exist_ok=True)
    processes = processes or (os.cpu_count() or 1)
    tmp = path.with_suffix(path.suffix + ".tmp")
    total = 0
    with tmp.open("w", encoding="utf-8") as out:
        starts = range(0, pages, CHUNK)
        if processes > 1 and pages > 2 * CHUNK:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(processes, initializer=_init_worker, initargs=(pages, seed)) as pool:
                for text in pool.imap(_chunk, starts):
                    total += out.write(text)
        else:
            _init_worker(pages, seed)
            for start in starts:
                total += out.write(_chunk(start))
    tmp.replace(path)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    size = write_corpus(args.out, args.pages, args.seed)
    elapsed = time.perf_counter() - started
    print(
        f"Wrote {args.pages} pages ({size / 1e6:.1f} MB) to {args.out} in {elapsed:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
