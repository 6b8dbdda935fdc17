"""`tocompress run`: measure baseline and compressed from the shell, show progress, print the before/after table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from core.report.comparison import comparisons_of, headline_run
from core.report.energy_text import energy_lines
from core.report.result_file import ResultFileError, default_result_path, save_result
from core.report.wording import busy_warnings, weights_of_result
from core.run.pinning import pin_setting
from core.spec import CompressionSpec
from tui.cli.modelargs import user_model_args
from tui.cli.preflight import (
    check_dataset,
    check_memory,
    check_model,
    check_worker_python,
    check_writable,
    options_from,
)
from tui.view.format import fmt_seconds, fmt_value
from tui.view.tables import comparison_view, done_text, run_view

console = Console(stderr=True)


def run_command(args: argparse.Namespace) -> int:
    from core.run.session import Session, SessionConfig

    compression = CompressionSpec.parse(args.compress)
    options = options_from(args)
    model_args = user_model_args(args, compression)  # None: a registry model
    if model_args is None:
        check_model(args.model, args.weights)
        check_dataset(args.model, args.dataset, args.weights)
        check_memory(
            args.model,
            compression,
            args.eval_limit,
            args.weights,
            getattr(args, "force", False),
            weights_form=getattr(args, "weights_form", "auto"),
        )
        _say_weights(args.model, args.weights)
    check_worker_python(args.worker_python)
    check_worker_python(getattr(args, "compress_python", None), "--compress-python")
    check_writable(args.json_path)
    config = SessionConfig(
        model=Path(model_args["path"]).name if model_args else args.model,
        compression=compression,
        options=options,
        workdir=Path(args.workdir),
        sysfs_root=args.sysfs_root,
        sources=args.sources.split(",") if args.sources else None,
        worker_python=args.worker_python,
        compress_python=getattr(args, "compress_python", None),
        record_path=Path(args.record) if args.record else None,
        include_baseline=not args.no_baseline,
        dataset=args.dataset,
        model_args=model_args,
        weights=args.weights,
        read_rails=False,  # the summary shows board power only: one sensor read per sample, not one per rail
        pin=pin_setting(args.pin),
    )
    progress = _Progress([str(v) for v in config.variants()])
    with console.status("starting", spinner="dots") as status:
        progress.status = status
        result = Session(config, on_event=progress).run()
    print_summary(result, shown=progress.shown)
    for line in busy_warnings(result):  # issue 9: timings taken on a busy machine are inflated
        console.print(line, style="yellow", markup=False)
    code = 0 if result["status"] == "complete" else 1
    if result["status"] == "cancelled":
        code = 130
    if _measured_anything(result):
        code = _save(result, args.json_path, args.model, str(compression)) or code
    return code


def _say_weights(model: str, requested: str | None) -> None:
    """Say up front when a model without its pretrained file runs with seeded random weights."""
    from core.models.registry import RANDOM_SEED, availability, get_model_info, resolve_weights

    info = get_model_info(model)
    if requested is None and resolve_weights(info, None) == "random":
        why = availability(info, "pretrained")[1]
        line = f"{info.name}: seeded random weights (seed {RANDOM_SEED}), accuracy not measured; {why}"
        console.print(line, style="yellow", markup=False)


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
    """The run's progress on a terminal: one status line, plus a permanent line per result, phase-free.

    Events are folded by core.run.livestate.LiveState; this class only words what the state now holds.
    """

    def __init__(self, variants: list[str] | None = None) -> None:
        from core.run.livestate import LiveState

        self.status: Any = None
        self.state = LiveState(variants or [])
        self.shown: set[str] = set()  # error lines already printed, so the summary does not repeat them

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        v = self.state.apply(event)
        if v is None:
            if kind == "session" and event.get("state") in ("idle", "cancelled", "paired"):
                self._set(event.get("message") or str(event.get("state")))
            return
        if kind == "phase":
            self._set(f"{v.name}: {v.phase}")
        elif kind == "progress":
            ci = v.ci95_halfwidth_pct
            ci_text = "n/a" if ci is None else f"{ci:.1f}%"
            target = (v.progress or {}).get("target_pct")
            self._set(
                f"{v.name}: timing {v.iteration} it, mean {fmt_seconds(v.mean_s)}, CI ±{ci_text}"
                + (f" (target {target:g}%)" if target is not None else "")
            )
        elif kind == "pair":  # paired timing: the answer forming (core.worker.paired_runner)
            self._set(
                f"{v.name} / {event.get('against')}: {_ratio_text(event)} after {event.get('pairs')} pairs"
            )
        elif kind == "decode":  # the compress stage decoding evaluation images (core.data.imagenet)
            self._set(f"{v.name}: decoding images {event.get('done')}/{event.get('total')}")
        elif kind == "model" and v.model is not None:
            params = v.model.get("params")
            count = f", {params:,} params" if isinstance(params, int) else ""
            console.print(f"{v.name}: artifact {fmt_value(v.model.get('size_bytes'), 'B')}{count}")
        elif kind == "latency" and v.latency is not None:
            console.print(
                f"{v.name}: {v.latency.get('n')} timed runs, mean {fmt_seconds(v.mean_s)}; {v.latency.get('reason')}"
            )
        elif kind == "eval" and v.eval is not None and v.eval.get("top1") is not None:
            console.print(f"{v.name}: top-1 {v.eval['top1'] * 100:.2f}% on {v.eval.get('n_samples')} samples")
        elif kind == "error":
            console.print(f"[red]{v.name}: {v.errors[-1]}[/]")
            self.shown.add(v.errors[-1])
        elif kind == "session" and event.get("state") == "worker-start":
            what = "compressing" if v.stage == "compress" else "starting the worker"
            self._set(event.get("message") or f"{v.name}: {what}")

    def _set(self, text: str) -> None:
        if self.status is not None:
            self.status.update(text)


def _ratio_text(event: dict[str, Any]) -> str:
    """ "1.13x (1.08-1.19)": a live paired ratio and its 95% interval, as far as it is known."""
    ratio, ci = event.get("ratio"), event.get("ratio_ci95")
    text = "?" if ratio is None else f"{ratio:.3f}x"
    return text + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else "")


STOPPED = {
    "narrow": "the interval was narrow enough",
    "excludes_one": "the interval lay clearly beyond 1",
    "cap": "the time cap (--paired-seconds) came first",
}


def paired_line(run: dict[str, Any]) -> str | None:
    """ "q8 / baseline time: 1.132x (1.081-1.186), 8 pairs; stopped: ...": how the paired answer was reached."""
    paired = run.get("paired") or {}
    lat = paired.get("latency") or {}
    if not paired:
        return None
    head = f"{run.get('variant')} / {paired.get('against')} time: "
    if lat.get("ratio") is None:
        return head + f"not paired: {lat.get('reason')}"
    processes = f" over {lat['processes']} processes" if (lat.get("processes") or 1) > 1 else ""
    return (
        head + f"{_ratio_text(lat)}, {lat.get('pairs')} pairs{processes}; "
        f"stopped: {STOPPED.get(str(lat.get('stopped')), lat.get('stopped'))}"
    )


def print_summary(result: dict[str, Any], shown: set[str] | None = None) -> None:
    """The baseline against each compressed run with its verdict, or the lone run; then errors not yet shown."""
    out = Console()
    comparisons = comparisons_of(result)
    lone = headline_run(result)
    for comparison in comparisons:
        title = f"{result['model']}: {comparison.baseline} vs {comparison.compressed}"
        out.print(comparison_view(comparison, title=title, boxed=True))
    if not comparisons and lone is not None and _measured_anything(result):
        out.print(run_view(lone, f"{result['model']}: {lone['variant']}", boxed=True))
    if _measured_anything(result):
        out.print(done_text(result.get("runs") or []))
        weights = weights_of_result(result)
        if weights:
            out.print(weights, style="yellow" if weights.startswith("random") else None)
    for run in result.get("runs") or []:
        line = paired_line(run)
        if line:
            out.print(line, markup=False)
    for run in result.get("runs") or []:
        lat = run.get("latency") or {}
        if lat and not lat.get("converged"):
            out.print(f"[yellow]{run['variant']}: latency did not converge: {lat.get('reason')}[/]")
    for err in result.get("errors") or []:
        if not any(message in err for message in shown or ()):
            out.print(f"[red]{err}[/]")
    for line, warning in energy_lines(result):
        out.print(line, style="yellow" if warning else None, markup=False)
    out.print(f"status: {result['status']}")
