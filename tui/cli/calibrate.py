"""`tocompress calibrate`: run the calibration workload and record the onboard trace (`--workload`), then fit it
to an external meter's trace of the same minutes (`--meter FILE`) and store the board's gain and offset."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_calibrate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "calibrate",
        help="calibrate the onboard power sensor against an external meter (see README: Calibration)",
        description="Start logging on the external meter, run `tocompress calibrate --workload` (idle, then load "
        "steps), stop the meter and export its CSV, then `tocompress calibrate --meter FILE`. Both flags at once: "
        "run the workload, then read FILE (a meter that logs to a file as it goes).",
    )
    p.add_argument("--workload", action="store_true", help="run the workload and record the onboard trace")
    p.add_argument(
        "--meter", default=None, help="the external meter's CSV trace (columns: README, Calibration)"
    )
    p.add_argument(
        "--trace",
        default=None,
        help="the onboard trace file (default: <calibration dir>/<board>.onboard.csv)",
    )
    p.add_argument("--idle-seconds", type=float, default=20.0, help="idle span before the load steps")
    p.add_argument(
        "--step-seconds",
        type=float,
        default=None,
        help="length of each load step (default: 10 s, longer for a slow sensor)",
    )
    p.add_argument(
        "--calibration-dir",
        default=None,
        help="where calibrations are kept (default $TOCOMPRESS_CALIBRATION_DIR or ~/.config/tocompress/calibration)",
    )
    p.add_argument("--sysfs-root", default="/sys")
    p.add_argument("--sources", default=None, help="the power source to calibrate (default: auto-detect)")


def calibrate_command(args: argparse.Namespace) -> int:
    """Record and/or fit; every failure the user can fix is one CalibrationError line (tui.cli.main prints it)."""
    from core.telemetry.calibration import CalibrationError, board_id, default_dir

    if not args.workload and not args.meter:
        raise CalibrationError("give --workload (run the load steps) and/or --meter FILE (fit and store)")
    directory = Path(args.calibration_dir).expanduser() if args.calibration_dir else default_dir()
    board = board_id(args.sysfs_root)
    trace_path = Path(args.trace) if args.trace else directory / f"{board}.onboard.csv"
    if args.meter and not Path(args.meter).is_file():
        raise CalibrationError(f"meter trace {args.meter} not found; export the meter's log as CSV first")
    if args.workload:
        _record(args, trace_path)
    if args.meter:
        _fit(args.meter, trace_path, board, directory)
    return 0


def _record(args: argparse.Namespace, trace_path: Path) -> None:
    from core.telemetry.calibration_workload import CpuLoad, record_trace, schedule
    from core.telemetry.power_trace import write_trace
    from core.telemetry.rig import TelemetryRig

    rig = TelemetryRig(
        args.sysfs_root, only=args.sources.split(",") if args.sources else None, read_rails=False
    )
    rig.start()
    try:
        refresh_s = (rig.update_interval_ms or 0.0) / 1000.0
        step_s = args.step_seconds or max(10.0, 24.0 * refresh_s)
        steps = schedule(args.idle_seconds, step_s)
        total = sum(d for d, _ in steps)
        print(
            f"calibration workload: {rig.power_source} (refresh {rig.update_interval_ms or 'unknown'} ms), "
            f"{total:.0f} s: idle {args.idle_seconds:g} s, then {len(steps) - 1} CPU load steps of {step_s:g} s"
        )
        load = CpuLoad()

        def on_step(i: int, level: int, seconds: float) -> None:
            print(f"  step {i + 1}/{len(steps)}: load {level}/3 for {seconds:g} s", flush=True)

        trace = record_trace(rig, steps, load.set_level, on_step=on_step)
    finally:
        rig.close()
    path = write_trace(trace_path, trace)
    print(f"onboard trace: {path} ({len(trace.t_s)} samples)")


def _fit(meter: str, trace_path: Path, board: str, directory: Path) -> None:
    from core.telemetry.calibration import CalibrationError, save_calibration
    from core.telemetry.calibration_fit import calibrate
    from core.telemetry.power_trace import read_trace

    if not trace_path.is_file():
        raise CalibrationError(
            f"no onboard trace at {trace_path}; run `tocompress calibrate --workload` first"
        )
    onboard = read_trace(trace_path)
    if onboard.facts.get("board") and onboard.facts["board"] != board:
        raise CalibrationError(
            f"{trace_path} was recorded on {onboard.facts['board']}, this is {board}; record it on this board"
        )
    calibration = calibrate(onboard, read_trace(meter), board, str(Path(meter).resolve()))
    path = save_calibration(calibration, directory)
    print(
        f"{board}: onboard = {calibration.gain:.4f} x meter {calibration.offset_w:+.4f} W "
        f"(gain ±{1.96 * calibration.gain_se:.4f}, residual {calibration.residual_w:.4f} W over "
        f"{calibration.n_points} bins; clocks {calibration.lag_s:+.3f} s apart)"
    )
    print(f"saved {path}; later runs on this board apply it")
