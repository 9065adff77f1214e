"""How a grid cell reads on a page: its words, code, colours, description and link — one
table per level (``LEVELS``), used by the pages, the SVG charts and the exports."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Level, Support


@dataclass(frozen=True)
class Look:
    """How one level reads and looks: its word, its code in tight spaces (the SVG
    heatmap), what it means, and its colours (fill, ink; static/css/catalog.css has the
    same as --lv-* variables)."""

    word: str
    code: str
    meaning: str
    fill: str
    ink: str


LEVELS = {
    Level.DEFAULT: Look("Default", "D", "built in and used by default", "#1b7f3b", "#ffffff"),
    Level.YES: Look("Yes", "Y", "supported", "#b7e4c7", "#14351f"),
    Level.NO: Look("No", "N", "not supported", "#f8c9c4", "#4a120d"),
    Level.UNCLEAR: Look("Unclear", "U", "the sources leave it unclear", "#ffe69c", "#3d2f00"),
    Level.OBSOLETED: Look(
        "Obsoleted", "O", "once supported, replaced by another engine", "#d9cdf0", "#2e1f4f"
    ),
    Level.PLANNED: Look("Planned", "P", "support planned", "#bcdcf5", "#0f2f4a"),
    Level.UNKNOWN: Look("Unknown", "?", "nobody knows yet", "#e4e7ec", "#1d2330"),
}
UNDEFINED_FILL = ("#ffd8a8", "#4a2500")
LEVEL_WORDS = {level: look.word for level, look in LEVELS.items()}
LEVEL_CODES = {level: look.code for level, look in LEVELS.items()}
LEVEL_MEANINGS = {level: look.meaning for level, look in LEVELS.items()}
UNDEFINED = "undefined in source"


def cell_label(cell: Support) -> str:
    """The words shown in a cell: 'Yes', 'No?', 'Obsoleted by Mako', 'undefined in source'."""
    if cell.undefined_in_source:
        return UNDEFINED
    label = LEVEL_WORDS.get(cell.level, cell.level)
    if cell.level == Level.OBSOLETED and cell.superseded_by_id:
        label = f"Obsoleted by {cell.superseded_by.name}"
    return label + ("?" if cell.uncertain else "")


def cell_code(cell: Support) -> str:
    """A short code for tight spaces (the SVG heatmap): 'Y', 'N?', 'M?'-style raw for undefined."""
    if cell.undefined_in_source:
        return (cell.raw_value or "!")[:3]
    return LEVEL_CODES.get(cell.level, "?") + ("?" if cell.uncertain else "")


def cell_css(cell: Support | None) -> str:
    if cell is None:
        return "lv-none"
    if cell.undefined_in_source:
        return "lv-undefined"
    return "lv-" + cell.level.lower() + (" is-uncertain" if cell.uncertain else "")


def cell_description(cell: Support) -> str:
    """A full sentence for title attributes and screen readers."""
    parts = [f"{cell.framework.name} × {cell.row_name}: {cell_label(cell)}"]
    if cell.undefined_in_source:
        parts.append(f"the source wrote “{cell.raw_value}”, which its legend does not define")
    else:
        parts.append(LEVEL_MEANINGS.get(cell.level, ""))
        if cell.uncertain:
            parts.append("the source is not certain")
    if cell.raw_value:
        parts.append(f"raw value “{cell.raw_value}”")
    return "; ".join(p for p in parts if p)


def legend() -> list[dict[str, str]]:
    return [
        {"css": f"lv-{level.lower()}", "word": look.word, "meaning": look.meaning}
        for level, look in LEVELS.items()
    ]
