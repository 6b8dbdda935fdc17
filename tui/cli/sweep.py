"""`tocompress sweep` (a grid of settings per model into a resumable JSON-lines file) and `tocompress recommend`
(the best setting of a sweep file under constraints); also the sweep command the results screen suggests."""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console

from core.atomic import write_atomic
from core.sweep.grid import PAPER_SETTINGS, expand_settings
from core.sweep.points import Point, by_model, points_of
from core.sweep.recommend import OBJECTIVES, Candidate, Constraints, Recommendation, RecommendError, recommend
from core.sweep.store import read_sweep
from tui.cli.preflight import (
    UsageError,
    check_dataset,
    check_model,
    check_worker_python,
    check_writable,
    options_from,
)
from tui.view.format import MISSING, fmt_bytes, fmt_ratio, fmt_seconds

console = Console(stderr=True, soft_wrap=True)  # lines stay whole in logs (nohup, tmux)


def add_parsers(sub: Any, add_run_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `sweep` and `recommend` sub-commands (tui.cli registers them)."""
    sweep = sub.add_parser("sweep", help="measure models x settings into a resumable JSON-lines file")
    add_run_options(sweep)
    sweep.add_argument(
        "--settings",
        "-s",
        default=None,
        help="comma list with ranges: q16,q8,p0.05..0.75/0.05,q2..8/2:load,q8+p0.05..0.25/0.05 (default: -c)",
    )
    sweep.add_argument("--paper", action="store_true", help=f"add the paper's grid: {PAPER_SETTINGS}")
    sweep.add_argument(
        "--out", "-o", required=True, help="the sweep file (JSON lines); an existing one resumes"
    )
    sweep.add_argument("--search", action="store_true", help="bisect bits and fractions instead of the grid")
    sweep.add_argument(
        "--max-accuracy-drop",
        type=float,
        default=1.0,
        help="with --search: accuracy limit, points (default 1)",
    )
    sweep.add_argument("--ui", action="store_true", help="run it in the dashboard's sweep screen")
    sweep.add_argument(
        "--cluster",
        default=None,
        help="spread the points over a fleet: tcp://HOST:8786 (a Dask scheduler) or local:N (N workers here)",
    )
    sweep.add_argument(
        "--boards", default=None, help="with --cluster: board kinds to sweep, e.g. tx2,orin (default: all)"
    )
    sweep.add_argument(
        "--board-root",
        action="append",
        default=[],
        metavar="KIND=DIR",
        help="with --cluster local:N: the sysfs root of that kind's workers (a board tree), repeatable",
    )

    rec = sub.add_parser("recommend", help="the best setting of a sweep file under constraints")
    rec.add_argument("file")
    rec.add_argument("--objective", choices=sorted(OBJECTIVES), default="energy", help="what to minimize")
    rec.add_argument("--max-accuracy-drop", type=float, default=None, help="points of top-1 (or fidelity)")
    rec.add_argument("--max-size-mb", type=float, default=None, help="model file size, MB (10^6 bytes)")
    rec.add_argument("--max-latency-ms", type=float, default=None, help="mean inference time, ms")
    rec.add_argument("--model", default=None, help="only this model of the file")
    rec.add_argument(
        "--fallback", action="store_true", help="rank by latency when the objective is unmeasured"
    )
    rec.add_argument(
        "--json", dest="json_path", default=None, help="also write the recommendation(s) as JSON here"
    )


# --- sweep ------------------------------------------------------------------------------------------------


def plan_from(args: argparse.Namespace) -> Any:
    """The sweep plan the flags ask for; bad models, settings or options are one line here."""
    from core.sweep.runner import SweepPlan

    text = ",".join(t for t in (args.settings, PAPER_SETTINGS if args.paper else None) if t) or args.compress
    settings = [s for s in expand_settings(text) if not s.is_baseline]  # the baseline is measured anyway
    models = [m.strip() for m in args.model.split(",") if m.strip()]
    if not models:
        raise UsageError("--model: give at least one model name")
    weights = getattr(args, "weights", None)
    for model in models:
        check_model(model, weights)
        check_dataset(model, args.dataset, weights)
    check_worker_python(args.worker_python)
    if args.search and args.max_accuracy_drop < 0:
        raise UsageError("--max-accuracy-drop must be >= 0 points")
    return SweepPlan(
        models=models,
        settings=settings,
        options=options_from(args),
        dataset=args.dataset,
        session={
            "workdir": Path(args.workdir),
            "sysfs_root": args.sysfs_root,
            "sources": args.sources.split(",") if args.sources else None,
            "worker_python": args.worker_python,
            "compress_python": getattr(args, "compress_python", None),
        },
        search_max_drop_points=args.max_accuracy_drop if args.search else None,
        weights=weights,
    )


def sweep_command(args: argparse.Namespace) -> int:
    from core.sweep.runner import SweepRunner
    from core.sweep.store import SweepStore

    plan = plan_from(args)
    if args.cluster:
        from tui.cli.fleet import cluster_sweep_command

        return cluster_sweep_command(args, plan, _report)
    if args.ui:
        from tui.app import make_app

        app: Any = make_app(sweep_file=args.out, sweep_plan=plan)
        app.run()
        return int(getattr(app, "return_code", 0) or 0)
    store = SweepStore(args.out).open()
    try:
        if store.note:
            console.print(f"[yellow]{args.out}: {store.note}[/]")
        what = "search (bisection)" if plan.search_max_drop_points is not None else "grid"
        console.print(
            f"sweep {what}: {len(plan.models)} model(s) x {len(plan.settings)} setting(s) + baseline "
            f"= {plan.grid_size} points into {args.out}"
        )
        with console.status("starting", spinner="dots") as status:
            runner = SweepRunner(plan, store, on_progress=lambda p: _show_progress(p, status))
            summary = runner.run()
    finally:
        store.close()
    return _report(args, summary)


def _report(args: argparse.Namespace, summary: Any) -> int:
    """The sweep's closing lines (one machine or a fleet) and its exit status."""
    for model, found in summary.searches.items():
        console.print(
            f"{model}: search measured {len(found.measured)} of {found.grid_size} settings "
            f"(saved {found.saved} runs); boundary: "
            + ", ".join(f"{k} -> {v or 'none within the limit'}" for k, v in found.boundary.items())
        )
    if summary.searches:
        console.print(
            "the search assumes accuracy only falls along each family; a noisy evaluation (few samples) can break "
            "that, so check the boundary with a small grid around it"
        )
    console.print(
        f"measured {summary.measured}, skipped {summary.skipped} already in the file, failed {summary.failed}"
    )
    if summary.cancelled:
        console.print("cancelled; run the same command again to resume")
        return 130
    console.print(
        f"next: tocompress recommend {shlex.quote(args.out)} --max-accuracy-drop 1 --objective latency"
    )
    return 1 if summary.failed else 0


def _show_progress(progress: Any, status: Any) -> None:
    eta = "" if progress.eta_s is None else f", about {_duration(progress.eta_s)} left"
    counts = f"[{progress.done}/{progress.total}]"
    if progress.current:
        status.update(f"{counts} {progress.current}: measuring{eta}")
    elif progress.message:
        console.print(f"{counts} {progress.message}{eta}")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


# --- recommend --------------------------------------------------------------------------------------------


def recommend_command(args: argparse.Namespace) -> int:
    json_path = getattr(args, "json_path", None)
    check_writable(json_path)
    records, note = read_sweep(args.file)
    if note:
        console.print(f"[yellow]{args.file}: {note}[/]")
    groups = by_model(points_of(records))
    if args.model:
        groups = {k: v for k, v in groups.items() if v[0].model == args.model}
    if not groups:
        raise UsageError(f"{args.file} holds no sweep points" + (f" of {args.model}" if args.model else ""))
    constraints = Constraints(args.max_accuracy_drop, args.max_size_mb, args.max_latency_ms)
    out = Console(soft_wrap=True)
    code = 0
    answers: list[dict[str, Any]] = []
    for group, points in groups.items():
        try:
            rec = recommend(points, args.objective, constraints, fallback=args.fallback)
            rec.model = group  # per board in a fleet sweep: "resnet50 on tx2"
        except RecommendError as exc:  # this model cannot be ranked so; the others still can
            console.print(f"tocompress: error: {exc}", markup=False, highlight=False)
            code = 2
            continue
        out.print(render_recommendation(rec, constraints, len(points)), markup=False, highlight=False)
        answers.append(rec.to_dict())
        code = code or (0 if rec.best else 1)
    from tui.view.boards import render_cross_board

    table = render_cross_board([p for ps in groups.values() for p in ps])
    if table:
        out.print(table, markup=False, highlight=False)
    if json_path is not None:
        doc = {"file": args.file, "constraints": asdict(constraints), "recommendations": answers}
        write_atomic(Path(json_path), [json.dumps(doc, indent=2).encode()])
    return code


def _limits(c: Constraints) -> str:
    parts = []
    if c.max_accuracy_drop_points is not None:
        parts.append(f"accuracy drop <= {c.max_accuracy_drop_points:g} points")
    if c.max_size_mb is not None:
        parts.append(f"size <= {c.max_size_mb:g} MB")
    if c.max_latency_ms is not None:
        parts.append(f"latency <= {c.max_latency_ms:g} ms")
    return ", ".join(parts) or "no constraints"


def figures(c: Candidate) -> str:
    p: Point = c.point
    drop = MISSING if c.accuracy_drop_points is None else f"{c.accuracy_drop_points:+.2f} points"
    quality = (
        f"top-1 {p.top1 * 100:.2f}%"
        if p.top1 is not None
        else (f"fidelity {p.fidelity * 100:.2f}%" if p.fidelity is not None else f"accuracy {MISSING}")
    )
    energy = MISSING if p.energy_j is None else f"{p.energy_j * 1e3:.3g} mJ"
    return (
        f"size {fmt_bytes(p.size_bytes)}, latency {fmt_seconds(p.latency_s)}{_ratio(p, 'latency')}, "
        f"energy {energy}{_ratio(p, 'energy')}, {quality} (drop {drop})"
    )


def _ratio(p: Point, axis: str) -> str:
    """` (1.12x baseline, 1.08-1.16)` where the point was paired with the baseline; nothing for the baseline."""
    found = None if p.is_baseline else p.ratio(axis)
    return "" if found is None else f" ({fmt_ratio(found[0], found[1])} baseline)"


def render_recommendation(rec: Recommendation, c: Constraints, n_points: int) -> str:
    """The recommendation in plain lines: best and runners-up, or the closest point and what it breaks."""
    head = f"{rec.model}: {n_points} points; lowest {rec.objective} with {_limits(c)}"
    lines = [head]
    if rec.best is not None:
        lines.append(f"  best: {rec.best.point.setting}  {figures(rec.best)}")
        for i, cand in enumerate(rec.runners_up, 2):
            lines.append(f"  {i}. {cand.point.setting}  {figures(cand)}")
    else:
        lines.append("  no point meets the constraints")
        if rec.closest is not None:
            lines.append(
                f"  closest: {rec.closest.point.setting} (smallest sum of overshoots relative to each limit): "
                f"{figures(rec.closest)}; breaks {'; '.join(rec.closest.broken)}"
            )
    lines += [f"  note: {n}" for n in rec.notes]
    return "\n".join(lines)
