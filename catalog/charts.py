"""Server-side SVG pictures: the matrix heatmap and the frameworks timeline.

Plain strings, no charting library. Every text that comes from the database goes through
:func:`esc`; the documents carry <title>/<desc> and text labels, not colour alone.
"""

from __future__ import annotations

import datetime

from django.utils.html import escape

from catalog.cells import (
    LEVEL_CODES,
    LEVEL_WORDS,
    LEVELS,
    UNDEFINED,
    UNDEFINED_FILL,
    cell_code,
    cell_description,
)
from catalog.models import Entry, Level, Status
from catalog.selectors import Matrix
from core.text import xml_safe

LEVEL_FILL = {level: (look.fill, look.ink) for level, look in LEVELS.items()}
EMPTY_FILL = ("#ffffff", "#5a6272")
STATUS_FILL = {
    Status.ACTIVE: "#1b7f3b",
    Status.MAINTENANCE: "#2f6f9f",
    Status.INACTIVE: "#9a6700",
    Status.DISCONTINUED: "#b3261e",
    Status.UNKNOWN: "#5a6272",
}
FONT = 'font-family="system-ui, sans-serif"'


def esc(text: object) -> str:
    """Escaped for XML, without the characters XML cannot carry (a stored vertical tab made
    the whole SVG invalid)."""
    return escape(xml_safe(str(text)))


def _open(width: int, height: int, title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def matrix_svg(matrix: Matrix) -> str:
    """Heatmap: one row per framework, one column per engine, a code and colour per cell."""
    cell_w, cell_h, label_w, head_h = 46, 26, 170, 150
    cols, rows = len(matrix.engines), len(matrix.rows)
    legend_y = head_h + rows * cell_h + 24
    legend_items = [*Level, "undefined"]
    width = max(label_w + cols * cell_w + 120, 640)
    height = legend_y + 22 * ((len(legend_items) + 3) // 4) + 16
    out = _open(
        width,
        height,
        "Template engine support matrix",
        f"{rows} frameworks by {cols} template engines; each cell shows a support code "
        "(D default, Y yes, N no, U unclear, O obsoleted, P planned, ? unknown; "
        "a trailing ? means uncertain) and links to its evidence.",
        "heatmap",
    )
    out.append(f'<g {FONT} font-size="12">')
    for i, engine in enumerate(matrix.engines):
        x = label_w + i * cell_w + cell_w / 2
        out.append(
            f'<text x="{x}" y="{head_h - 6}" transform="rotate(-50 {x} {head_h - 6})" '
            f'fill="#1d2330"><title>{esc(engine.name)}</title>{esc(_short(engine.name))}</text>'
        )
    for r, row in enumerate(matrix.rows):
        y = head_h + r * cell_h
        out.append(
            f'<text x="{label_w - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end" '
            f'fill="#1d2330">{esc(row.framework.name)}</text>'
        )
        for c, cell in enumerate(row.cells):
            x = label_w + c * cell_w
            if cell is None:
                fill, ink = EMPTY_FILL
                code, title = "", f"{row.framework.name} × {matrix.engines[c].name}: no data"
            else:
                fill, ink = UNDEFINED_FILL if cell.undefined_in_source else LEVEL_FILL[cell.level]
                code, title = cell_code(cell), cell_description(cell)
            rect = (
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                f'stroke="#c3cad5"/><title>{esc(title)}</title>'
            )
            label = (
                f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" '
                f'fill="{ink}" font-weight="600">{esc(code)}</text>'
                if code
                else ""
            )
            if cell is None:
                out.append(f"<g>{rect}</g>")
            else:
                out.append(f'<a href="{esc(cell.get_absolute_url())}">{rect}{label}</a>')
    for i, level in enumerate(legend_items):
        x = 10 + (i % 4) * 160
        y = legend_y + (i // 4) * 22
        if level == "undefined":
            (fill, ink), code, word = UNDEFINED_FILL, "M", UNDEFINED
        else:
            (fill, ink), code, word = LEVEL_FILL[level], LEVEL_CODES[level], LEVEL_WORDS[level]
        out.append(
            f'<rect x="{x}" y="{y}" width="26" height="18" fill="{fill}" stroke="#c3cad5"/>'
            f'<text x="{x + 13}" y="{y + 13}" text-anchor="middle" fill="{ink}" '
            f'font-weight="600">{esc(code)}</text>'
            f'<text x="{x + 32}" y="{y + 13}" fill="#1d2330">{esc(word)}</text>'
        )
    out.append("</g></svg>")
    return "\n".join(out)


def _short(name: str, limit: int = 20) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _span(begin: int, end: int, how: str) -> str:
    if how == "still active":
        return f"{begin}–"
    return str(begin) if end == begin else f"{begin}–{end}"


def _end_year(entry: Entry, this_year: int) -> tuple[int, str]:
    if entry.end_year:
        return entry.end_year, f"until {entry.end_year}"
    if entry.status in (Status.ACTIVE, Status.MAINTENANCE):
        return this_year, "still active"
    if entry.latest_release:
        return entry.latest_release.year, f"latest release {entry.latest_release.year}"
    return entry.first_release, "no later date known"


def timeline_svg(entries: list[Entry], today: datetime.date | None = None) -> str:
    """A bar per framework from its first release to its end (or latest release, or today)."""
    this_year = (today or datetime.date.today()).year
    dated = [e for e in entries if e.first_release]
    spans = [(e, e.first_release, *_end_year(e, this_year)) for e in dated]
    spans.sort(key=lambda s: (s[1], s[0].name.casefold()))
    first = min((s[1] for s in spans), default=this_year - 10)
    last = max([this_year, *(s[2] for s in spans)])
    start, stop = first - first % 5, last + 1
    label_w, bar_h, gap, top, width = 170, 18, 6, 40, 960
    plot_w = width - label_w - 130
    scale = plot_w / max(stop - start, 1)
    height = top + len(spans) * (bar_h + gap) + 70
    out = _open(
        width,
        height,
        "Timeline of Python web frameworks",
        f"{len(spans)} frameworks, each a bar from its first release year to its last "
        "release or discontinuation (active ones run to this year); colour and the label "
        "after each bar give its status.",
        "timeline",
    )
    out.append(f'<g {FONT} font-size="12">')
    for year in range(start, stop + 1, 5):
        x = label_w + (year - start) * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 50}" '
            f'stroke="#dde2ea"/><text x="{x:.1f}" y="{top - 14}" text-anchor="middle" '
            f'fill="#5a6272">{year}</text>'
        )
    for i, (entry, begin, end, how) in enumerate(spans):
        y = top + i * (bar_h + gap)
        x = label_w + (begin - start) * scale
        w = max((end - begin + 1) * scale, 4)
        status = Status(entry.status) if entry.status in Status.values else Status.UNKNOWN
        fill = STATUS_FILL[status]
        title = f"{entry.name}: first released {begin}, {how}; status {status.label.lower()}"
        out.append(
            f'<a href="{esc(entry.get_absolute_url())}">'
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="#1d2330">'
            f"{esc(entry.name)}</text>"
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
            f'fill="{fill}"><title>{esc(title)}</title></rect>'
            f'<text x="{x + w + 4:.1f}" y="{y + 13}" fill="#5a6272" font-size="11">'
            f"{_span(begin, end, how)} {esc(status.label.lower())}"
            "</text></a>"
        )
    legend_y = height - 30
    for i, status in enumerate(Status):
        x = 10 + i * 150
        out.append(
            f'<rect x="{x}" y="{legend_y}" width="18" height="14" fill="{STATUS_FILL[status]}"/>'
            f'<text x="{x + 24}" y="{legend_y + 12}" fill="#1d2330">{esc(status.label)}</text>'
        )
    out.append("</g></svg>")
    return "\n".join(out)
