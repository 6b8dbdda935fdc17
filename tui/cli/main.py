"""The `tocompress` command: the dashboard by default, plus `run`, `models`, `sensors` and `compare` for scripts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.models.registry import WEIGHT_KINDS
from core.run.pinning import pin_setting
from core.runspec import RunOptions
from core.spec import SETTING_HELP, CompressionSpec
from tui.cli.calibrate import add_calibrate_parser
from tui.cli.fetch import add_fetch_parser
from tui.cli.modelargs import add_model_file_options, user_model_args
from tui.cli.preflight import (
    check_dataset,
    check_model,
    check_replay,
    check_worker_python,
    check_writable,
    options_from,
)
from tui.screenshot import at_seconds

DEFAULT_MODEL = "digits-cnn"
DEFAULT_COMPRESSION = "q8"
SCREENSHOT_SIZE = (120, 40)  # columns, rows of --screenshot-at's headless terminal


def _add_run_options(p: argparse.ArgumentParser) -> None:
    d = RunOptions()
    p.add_argument(
        "--model",
        "-m",
        default=DEFAULT_MODEL,
        help=f"model name (default {DEFAULT_MODEL}; see `tocompress models`), or a .keras/.h5/.pb/.tflite file "
        "or SavedModel folder",
    )
    p.add_argument(
        "--compress",
        "-c",
        default=DEFAULT_COMPRESSION,
        help=f"compression setting (default {DEFAULT_COMPRESSION}): {SETTING_HELP}",
    )
    p.add_argument(
        "--dataset",
        default=None,
        help="evaluation set, or an ImageNet validation folder (default: the model's own)",
    )
    add_model_file_options(p)
    p.add_argument(
        "--weights",
        choices=WEIGHT_KINDS,
        default=None,
        help="pretrained (default where its file is here) or random: seeded random weights (seed 0), "
        "everything measured but accuracy",
    )
    p.add_argument(
        "--ci-target", type=float, default=d.ci_target_pct, help="95%% CI half-width target, %% of mean"
    )
    p.add_argument("--min-iters", type=int, default=d.min_iters)
    p.add_argument("--max-iters", type=int, default=d.max_iters)
    p.add_argument("--max-seconds", type=float, default=d.max_seconds, help="cap on timing per variant")
    p.add_argument("--min-seconds", type=float, default=d.min_seconds, help="floor on timing per variant")
    p.add_argument("--warmup", type=int, default=d.warmup_iters, help="warm-up iterations")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--trace-passes", type=int, default=d.trace_passes, help="per-op traced passes (0: skip)")
    p.add_argument("--eval-limit", type=int, default=None, help="evaluate on at most N samples")
    p.add_argument(
        "--force",
        action="store_true",
        help="run even when the estimated memory peak exceeds what this machine has available",
    )
    p.add_argument(
        "--idle-seconds", type=float, default=d.idle_seconds, help="idle power measured before the run"
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=d.repeat,
        help="worker processes per variant (and at least this many paired-timing processes); >1 puts the "
        "run-to-run noise into the variants' own intervals",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=d.paired_threshold_pct,
        help="%% change inside which the paired ratio is no real change (default %(default)g)",
    )
    p.add_argument(
        "--paired-target",
        type=float,
        default=d.paired_target_pct,
        help="stop paired timing when the ratio's 95%% interval half-width is this %% (default %(default)g)",
    )
    p.add_argument(
        "--paired-seconds",
        type=float,
        default=d.paired_max_seconds,
        help="cap on paired timing (baseline and compressed in alternating blocks), seconds (default %(default)g)",
    )
    p.add_argument(
        "--paired-processes",
        type=int,
        default=d.paired_processes,
        help="paired-timing processes, each with its share of --paired-seconds; the ratio's interval is over "
        "their ratios, so process-to-process noise is inside it (default %(default)d)",
    )
    p.add_argument(
        "--paired-block",
        type=float,
        default=d.paired_block_s,
        help="length of each paired block, seconds (default: 0.025, or long enough for 3 power-sensor updates "
        "where power is paired, as far as 8 pairs fit in each process's share of --paired-seconds)",
    )
    p.add_argument(
        "--no-paired",
        action="store_true",
        help="skip paired timing: compare the variants' own timings only (the answer then has no interval)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=d.threads,
        help="CPU threads for inference (TFLite num_threads; TensorFlow intra-op N, inter-op 1); "
        "default: the runtime's own",
    )
    p.add_argument(
        "--weights-form",
        choices=("auto", "const", "variables"),
        default=d.weights_form,
        help="where the run stage keeps weights: graph constants (oneDNN caches filters; several times the "
        "weight bytes in memory), variables (lean), or auto: constants where they fit (default %(default)s)",
    )
    p.add_argument(
        "--sysfs-root", default="/sys", help="root of sysfs (a container may mount the host's elsewhere)"
    )
    p.add_argument(
        "--sources", default=None, help="comma-separated sensor sources to use instead of auto-detect"
    )
    p.add_argument(
        "--worker-python",
        default=None,
        help="interpreter for the TensorFlow worker (e.g. JetPack's /usr/bin/python3)",
    )
    p.add_argument(
        "--compress-python",
        default=None,
        help="interpreter for the compress stage (needs Keras 3; default: this one)",
    )
    p.add_argument("--workdir", default="runs", help="where artifacts and worker logs go (default runs/)")
    p.add_argument(
        "--pin",
        choices=("auto", "on", "off"),
        default="auto",
        help="worker and tool on separate CPU cores (auto: on boards with 4 cores or more)",
    )


def add_dashboard_options(parser: argparse.ArgumentParser) -> None:
    """The dashboard's own options (also `tocompress serve`'s, which passes them to each browser's dashboard)."""
    _add_run_options(parser)
    parser.add_argument("--autorun", action="store_true", help="start the run as soon as the dashboard opens")
    parser.add_argument("--save", default=None, help="with --autorun: save the result JSON here when done")
    parser.add_argument(
        "--no-quiet",
        action="store_true",
        help="redraw plots live while timing (default: quiet while timing, panels at 1 Hz; costs the model CPU)",
    )
    parser.add_argument(
        "--replay", default=None, help="drive the live panels from a recorded run (JSON lines)"
    )
    parser.add_argument("--sweep", default=None, help="watch or replay a sweep file (JSON lines)")
    parser.add_argument(
        "--speed",
        type=_replay_speed,
        default=1.0,
        help="with --replay: 1 plays in real time, 10 ten times faster",
    )
    parser.add_argument(
        "--screenshot-at",
        type=at_seconds,
        default=None,
        metavar="TIME",
        help="save the screen as SVG at this point (20s: of a --replay's recorded time) and quit; no terminal needed",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tocompress",
        description="To compress, or not to compress? Measure a model against its compressed version on this board.",
    )
    add_dashboard_options(parser)
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="measure baseline and compressed from the command line, print a summary")
    _add_run_options(run)
    run.add_argument("--json", dest="json_path", default=None, help="write the result JSON here")
    run.add_argument("--record", default=None, help="record events and telemetry to this JSON-lines file")
    run.add_argument("--no-baseline", action="store_true", help="measure only the compressed setting")

    models = sub.add_parser("models", help="list the models and where their weights come from")
    models.add_argument("--json", action="store_true", help="print the list as JSON (for scripts)")
    add_fetch_parser(sub)
    add_calibrate_parser(sub)

    sensors = sub.add_parser("sensors", help="list every telemetry source, available or not, and why")
    sensors.add_argument("--sysfs-root", default="/sys")
    sensors.add_argument("--seconds", type=float, default=0.3, help="how long to measure each source's rate")
    sensors.add_argument("--json", action="store_true", help="print the sources as JSON (for scripts)")

    compare = sub.add_parser("compare", help="compare two saved result files")
    compare.add_argument("a")
    compare.add_argument("b")

    from tui.cli.report import add_report_parser
    from tui.cli.sweep import add_parsers

    add_parsers(sub, _add_run_options)
    add_report_parser(sub)
    from tui.cli.serve import add_serve_parser

    add_serve_parser(sub, add_dashboard_options)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            from tui.cli.run import run_command

            return run_command(args)
        if args.command == "fetch":
            from tui.cli.fetch import fetch_command

            return fetch_command(args)
        if args.command == "calibrate":
            from tui.cli.calibrate import calibrate_command

            return calibrate_command(args)
        if args.command == "models":
            from tui.cli.listing import print_models

            return print_models(args.json)
        if args.command == "sensors":
            from tui.cli.listing import print_sensors

            return print_sensors(args.sysfs_root, args.seconds, args.json)
        if args.command == "compare":
            from tui.cli.listing import print_compare

            return print_compare(args.a, args.b)
        if args.command == "serve":
            from tui.cli.serve import serve_command

            return serve_command(args, sys.argv[1:] if argv is None else list(argv), dashboard_app)
        if args.command == "report":
            from tui.cli.report import report_command

            return report_command(args)
        if args.command in ("sweep", "recommend"):
            from tui.cli import sweep as sweepcmd

            return (
                sweepcmd.sweep_command(args) if args.command == "sweep" else sweepcmd.recommend_command(args)
            )
        return run_dashboard(args)
    except (UserError, FileNotFoundError) as exc:  # core.errors.UserError: every error the user can fix
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _error(message: str) -> None:
    print(f"tocompress: error: {message}", file=sys.stderr)


def _replay_speed(text: str) -> float:
    """--speed: a positive number (argparse turns the error into one usage line)."""
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not speed > 0 or speed == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number; 1 plays in real time")
    return speed


def run_dashboard(args: argparse.Namespace) -> int:
    app = dashboard_app(args)
    if args.screenshot_at is None:
        app.run()
    else:  # no person at the keyboard: no terminal either, at a size where every panel shows
        app.run(headless=True, size=SCREENSHOT_SIZE)
        if app.screenshot_written is not None:
            print(app.screenshot_written)
    return int(getattr(app, "return_code", 0) or 0)


def dashboard_app(args: argparse.Namespace) -> Any:
    """The dashboard the options ask for, every option checked (one clear line each); not yet running."""
    from core.models.registry import get_model_info

    compression = CompressionSpec.parse(args.compress)
    options = options_from(args)
    # --model FILE: checked here, listed last on the setup screen.
    model_args = user_model_args(args, compression)
    if model_args is None:
        # An unknown name is refused; a known but unavailable one opens with its reason.
        get_model_info(args.model)
    if args.autorun and model_args is None:
        check_model(args.model, args.weights)
        check_dataset(args.model, args.dataset, args.weights)
    check_worker_python(args.worker_python)
    check_worker_python(args.compress_python, "--compress-python")
    if args.replay:
        check_replay(args.replay)
    if args.sweep:
        from core.sweep.store import read_sweep

        read_sweep(args.sweep)  # a missing or unreadable file is one line here
    check_writable(args.save)
    from tui.app import make_app

    return make_app(
        model_args=model_args,
        workdir=Path(args.workdir),
        dataset=args.dataset,
        worker_python=args.worker_python,
        compress_python=args.compress_python,
        model=Path(model_args["path"]).name if model_args else args.model,
        compression=args.compress,
        autorun=args.autorun,
        save_path=args.save,
        replay=args.replay,
        replay_speed=args.speed,
        sweep_file=args.sweep,
        sysfs_root=args.sysfs_root,
        sources=args.sources.split(",") if args.sources else None,
        options=options,
        quiet=not args.no_quiet,
        pin=pin_setting(args.pin),
        weights=args.weights,
        screenshot_at_s=args.screenshot_at,
    )
