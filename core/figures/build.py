"""Draw every figure a file supports and write each as PNG and SVG, with an index.html beside them.

The page needs nothing from the network: images are files next to it, the style is inline. Every file is written
atomically (core.atomic), so an interrupted report leaves whole files.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from core.atomic import write_atomic
from core.figures.across import bubble_chart, pareto_chart
from core.figures.bars import opclass_stack, relative_bars
from core.figures.drawn import Drawn
from core.figures.inputs import ReportInput, load_input
from core.figures.timeline import telemetry_figure

FORMATS = ("png", "svg")


@dataclass(frozen=True)
class Written:
    """A figure on disk: its name, title, caption and the paths of its files."""

    name: str
    title: str
    caption: str
    paths: tuple[Path, ...]


def slug(text: str) -> str:
    """A file-name-safe form of a model or setting name."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_") or "x"


def draw_all(report: ReportInput) -> tuple[list[Drawn], list[str]]:
    """Every figure the input supports, and a line for each kind of figure it cannot have."""
    drawn: list[Drawn] = []
    skipped: list[str] = []
    for group in report.models:
        name = slug(group.model)
        bars = relative_bars(group, name) if group.baseline is not None else None
        if bars is not None:
            drawn.append(bars)
        else:
            skipped.append(f"{group.model}: no bars (needs a baseline and at least one compressed setting)")
        stack = opclass_stack(group, name)
        if stack is not None:
            drawn.append(stack)
        else:
            skipped.append(f"{group.model}: no op-class breakdown (no run has an op trace)")
    for figure in (bubble_chart(report.points), pareto_chart(report.points)):
        if figure is not None:
            drawn.append(figure)
    if not any(d.name == "bubble" for d in drawn):
        skipped.append(
            "no bubble chart or Pareto front (no point has both a size and an accuracy or fidelity)"
        )
    if report.trace is not None:
        timeline = telemetry_figure(report.trace, report.models[0].model if report.models else "run")
        if timeline is not None:
            drawn.append(timeline)
        else:
            skipped.append("no telemetry figure (the recording holds no power, RSS or GPU load)")
    elif report.kind != "sweep":
        skipped.append(
            "no telemetry over time: a result file keeps none (report a recording, `run --record`)"
        )
    return drawn, skipped


def _save(drawn: Drawn, out: Path) -> tuple[Path, ...]:
    paths = []
    for ext in FORMATS:
        buffer = io.BytesIO()
        drawn.figure.savefig(buffer, format=ext, metadata={"Date": None} if ext == "svg" else None)
        paths.append(_readable(write_atomic(out / f"{drawn.name}.{ext}", [buffer.getvalue()])))
    return tuple(paths)


def _readable(path: Path) -> Path:
    """A report is for sharing: rw-r--r-- rather than the temp file's rw-------."""
    path.chmod(0o644)
    return path


def write_report(path: str | Path, out: str | Path) -> tuple[list[Written], list[str], Path]:
    """Read `path`, write every figure (PNG + SVG) and index.html under `out`; returns them and what was left out."""
    report = load_input(path)
    out_dir = Path(out)
    drawn, skipped = draw_all(report)
    if report.note:
        skipped.insert(0, f"reading {report.path.name}: {report.note}")
    written = [Written(d.name, d.title, d.caption, _save(d, out_dir)) for d in drawn]
    index = _readable(write_atomic(out_dir / "index.html", [page(report, drawn, skipped).encode("utf-8")]))
    return written, skipped, index


def _table(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1400px; }
section { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; margin-bottom: 2.5em; }
figure { margin: 0; flex: 1 1 560px; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.4em; }
table { border-collapse: collapse; font-size: 0.85em; flex: 1 1 360px; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
.skipped { color: #8a4b00; }
"""


def page(report: ReportInput, drawn: list[Drawn], skipped: list[str]) -> str:
    """The offline index: each figure beside the numbers it shows, then what could not be drawn and why."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>tocompress report: {html.escape(report.path.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>tocompress report</h1><p>From {html.escape(report.kind)} <code>{html.escape(str(report.path))}"
        f"</code>: {len(report.models)} model(s), {len(report.points)} point(s).</p>",
    ]
    for d in drawn:
        parts.append(
            f"<h2>{html.escape(d.title)}</h2><section><figure><img src='{html.escape(d.name)}.png' "
            f"alt='{html.escape(d.title)}'><figcaption>{html.escape(d.caption)} "
            f"(<a href='{html.escape(d.name)}.svg'>SVG</a>)</figcaption></figure>{_table(d.table)}</section>"
        )
    if skipped:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in skipped)
        parts.append(f"<h2>Not drawn</h2><ul class='skipped'>{items}</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


__all__ = ["FORMATS", "Written", "draw_all", "page", "slug", "write_report"]
