"""`tocompress run`: measure baseline and compressed from the shell, show progress, print the before/after table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from core.results import ResultFileError, default_result_path, save_result
from core.spec import CompressionSpec
from tui.format import fmt_seconds, fmt_value
from tui.tables import comparison_table, run_table

console = Console(stderr=True)


def run_command(args: argparse.Namespace) -> int:
    from core.session import Session, SessionConfig
    from tui.cli import check_dataset, check_model, check_worker_python, check_writable, options_from

    compression = CompressionSpec.parse(args.compress)
    options = options_from(args)
    check_model(args.model)
    check_dataset(args.model, args.dataset)
    check_worker_python(args.worker_python)
    check_writable(args.json_path)
    config = SessionConfig(
        model=args.model,
        compression=compression,
        options=options,
        workdir=Path(args.workdir),
        sysfs_root=args.sysfs_root,
        sources=args.sources.split(",") if args.sources else None,
        worker_python=args.worker_python,
        record_path=Path(args.record) if args.record else None,
        include_baseline=not args.no_baseline,
        dataset=args.dataset,
    )
    progress = _Progress()
    with console.status("starting", spinner="dots") as status:
        progress.status = status
        result = Session(config, on_event=progress).run()
    print_summary(result, shown=progress.shown)
    code = 0 if result["status"] == "complete" else 1
    if result["status"] == "cancelled":
        code = 130
    if _measured_anything(result):
        code = _save(result, args.json_path, args.model, str(compression)) or code
    return code


def _measured_anything(result: dict[str, Any]) -> bool:
    return any(
        run.get(block) for run in result.get("runs") or [] for block in ("model", "latency", "accuracy")
    )


def _save(result: dict[str, Any], path: str | None, model: str, setting: str) -> int:
    """Save where asked; if that fails, save to the default path so nothing measured is lost."""
    target = Path(path) if path else default_result_path(model, setting)
    try:
        save_result(target, result)
        console.print(f"saved {target}")
        return 0
    except ResultFileError as exc:
        fallback = default_result_path(model, setting)
        console.print(f"[red]tocompress: error: {exc}[/]")
        try:
            save_result(fallback, result)
            console.print(f"saved to {fallback} instead")
        except ResultFileError as exc2:
            console.print(f"[red]tocompress: error: {exc2}[/]")
        return 2


class _Progress:
    """Turns worker events into one status line and a few permanent lines (phase changes, results, errors)."""

    def __init__(self) -> None:
        self.status: Any = None
        self.shown: set[str] = set()  # error lines already printed, so the summary does not repeat them

    def __call__(self, event: dict[str, Any]) -> None:
        kind, variant = event.get("type"), event.get("variant", "")
        if kind == "phase":
            self._set(f"{variant}: {event['name']}")
        elif kind == "progress":
            ci = event.get("ci95_halfwidth_pct")
            ci_text = "n/a" if ci is None else f"{ci:.1f}%"
            self._set(
                f"{variant}: timing {event['iter']} it, mean {fmt_seconds(event['mean_s'])}, "
                f"CI ±{ci_text} (target {event['target_pct']:g}%)"
            )
        elif kind == "model":
            console.print(
                f"{variant}: artifact {fmt_value(event['size_bytes'], 'B')}, {event['params']:,} params"
            )
        elif kind == "latency":
            console.print(
                f"{variant}: {event['n']} timed runs, mean {fmt_seconds(event['mean_s'])}; {event['reason']}"
            )
        elif kind == "eval":
            console.print(f"{variant}: top-1 {event['top1'] * 100:.2f}% on {event['n_samples']} samples")
        elif kind == "error":
            console.print(f"[red]{variant}: {event['message']}[/]")
            self.shown.add(str(event["message"]))
        elif kind == "session" and event.get("state") in ("idle", "worker-start", "cancelled"):
            self._set(event.get("message") or f"{variant}: starting worker")

    def _set(self, text: str) -> None:
        if self.status is not None:
            self.status.update(text)


def print_summary(result: dict[str, Any], shown: set[str] | None = None) -> None:
    """The before/after table and the verdicts, or whatever single run there is; then errors not yet shown."""
    out = Console()
    comparison = result.get("comparison")
    runs = result.get("runs") or []
    if comparison:
        title = f"{result['model']}: {comparison['baseline']} vs {comparison['compressed']}"
        out.print(comparison_table(comparison, title))
        out.print(_verdict_grid(comparison["verdicts"]))
    elif _measured_anything(result):
        out.print(run_table(runs[-1], f"{result['model']}: {runs[-1]['variant']}"))
    for run in runs:
        lat = run.get("latency") or {}
        if lat and not lat.get("converged"):
            out.print(f"[yellow]{run['variant']}: latency did not converge: {lat.get('reason')}[/]")
    for err in result.get("errors") or []:
        if not any(message in err for message in shown or ()):
            out.print(f"[red]{err}[/]")
    out.print(f"status: {result['status']}")


def _verdict_grid(verdicts: list[dict[str, Any]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    for v in verdicts:
        mark = {True: "[green]better[/]", False: "[red]worse[/]", None: "[dim]-[/]"}[v["better"]]
        grid.add_row(v["goal"], mark, v["text"])
    return grid
