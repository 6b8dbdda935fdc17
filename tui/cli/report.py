"""`tocompress report FILE --out DIR`: the paper's figures (PNG and SVG) and an offline index.html from a sweep
file, a result JSON or a recording (core.figures)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

console = Console(stderr=True, soft_wrap=True)


def add_report_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="figures (PNG, SVG) and index.html from a sweep file, a result or a recording"
    )
    report.add_argument("file", help="a sweep file (.jsonl), a result (.json) or a recording (run --record)")
    report.add_argument("--out", "-o", required=True, help="folder for the figures and index.html")


def report_command(args: argparse.Namespace) -> int:
    from core.figures.build import write_report

    written, skipped, index = write_report(args.file, args.out)
    for w in written:
        console.print(f"[bold]{w.name}[/]  {'  '.join(str(p) for p in w.paths)}", highlight=False)
    for line in skipped:
        console.print(f"[yellow]not drawn:[/] {line}", highlight=False)
    console.print(f"open {index}", highlight=False)
    return 0 if written else 1
