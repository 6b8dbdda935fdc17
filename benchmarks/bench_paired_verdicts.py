"""Do paired verdicts hold from run to run? The default quick check N times in fresh processes, each run's ratio,
interval and verdict, then the spread: max/min of the ratios and how many intervals contain their median.

Modes:
  (default)  `tocompress run` of --model (digits-cnn) and --compress (q8) against its baseline, N times.
  --aa       A/A: the paired stage alone (`python -m core.worker`, stage "paired") with the baseline's artifact on
             both sides, N times --processes fresh processes merged as the session merges them; the artifacts
             come from one `tocompress run` first. Every interval
             should contain 1 and every verdict be "no real change in time".
  --drift    one process, both graphs loaded: one-after-the-other timing (A for T s, then B for T s) against
             paired ABBA timing (2T s), each with a CPU hog started halfway; both ratios printed, with and without
             the hog. The hog slows whatever runs after it starts: all of B in one-after-the-other timing, both
             sides alike in paired timing.

    python benchmarks/bench_paired_verdicts.py [--runs 10] [--model resnet50 --weights random --runs 5]
    python benchmarks/bench_paired_verdicts.py --aa --runs 10
    python benchmarks/bench_paired_verdicts.py --drift [--seconds 6]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOCOMPRESS = [sys.executable, "-m", "tui.cli"]
FAST = ["--idle-seconds", "0", "--eval-limit", "64"]  # nothing here touches paired timing


def _verdict_of(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    comparison = data.get("comparison") or {}
    return (comparison.get("verdict") or {}).get("time") or {}, str(comparison.get("summary"))


def quick_checks(args: argparse.Namespace, workdir: Path) -> list[tuple[float, list[float] | None, str, str]]:
    """`tocompress run` N times; (ratio, interval, direction, stopped) per run."""
    rows = []
    for i in range(args.runs):
        out = workdir / f"r{i}.json"
        cmd = [*TOCOMPRESS, "run", "--model", args.model, "--compress", args.compress, "--json", str(out),
               "--workdir", str(workdir / "runs"), *FAST, *(["--weights", args.weights] if args.weights else []),
               *(["--repeat", str(args.repeat)] if args.repeat > 1 else []),
               *(["--paired-processes", str(args.processes)] if args.processes else [])]  # fmt: skip
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if not out.exists():
            print(f"run {i + 1}: no result (rc {proc.returncode}): {proc.stderr[-500:]}")
            continue
        data = json.loads(out.read_text())
        run = next(r for r in data["runs"] if r["variant"] != "baseline")
        lat = (run.get("paired") or {}).get("latency") or {}
        time_part, sentence = _verdict_of(data)
        base = next(r for r in data["runs"] if r["variant"] == "baseline")["latency"]["mean_s"]
        unpaired = run["latency"]["mean_s"] / base
        rows.append((lat.get("ratio"), lat.get("ratio_ci95"), time_part.get("direction"), lat.get("stopped")))
        print(f"run {i + 1}: ratio {_fmt(lat.get('ratio'), lat.get('ratio_ci95'))}  {lat.get('pairs')} pairs, "
              f"stopped {lat.get('stopped')}; {time_part.get('direction')}; one-after-the-other {unpaired:.3f}; "
              f"{time.monotonic() - t0:.0f} s wall")  # fmt: skip
        processes = lat.get("process_ratios")
        if processes:
            print("        process ratios: " + ", ".join(f"{r:.3f}" for r in processes))
        print(f"        {sentence}")
    return rows


def aa_runs(args: argparse.Namespace, workdir: Path) -> list[tuple[float, list[float] | None, str, str]]:
    """The paired stage with the baseline artifact on both sides, N fresh processes."""
    from core.report.comparison import compare

    out = workdir / "setup.json"
    subprocess.run([*TOCOMPRESS, "run", "--model", args.model, "--compress", args.compress, "--json", str(out),
                    "--workdir", str(workdir / "runs"), "--no-paired", *FAST,
                    *(["--weights", args.weights] if args.weights else [])], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    data = json.loads(out.read_text())
    base = next(r for r in data["runs"] if r["variant"] == "baseline")
    spec = dict(
        base["spec"],
        stage="paired",
        workdir=str(workdir / "runs"),
        paired={"variants": ["baseline", "baseline-again"], "artifacts": [base["model"]["artifact"]] * 2},
    )
    rows = []
    from core.run.paired import merge_paired
    from core.run.paired_stage import process_share
    from core.run.worker_client import worker_env
    from core.runspec import RunOptions

    count = args.processes or RunOptions().paired_processes
    # Each process's options as the session derives them (no power sensor here).
    share = process_share(RunOptions(**spec["options"]), count, None)
    process_spec = json.dumps(dict(spec, options=asdict(share)))
    for i in range(args.runs):
        parts = []
        for _ in range(count):  # as the session runs them: one after the other, each with its share
            proc = subprocess.run([sys.executable, "-m", "core.worker"], input=process_spec,
                                  cwd=ROOT, capture_output=True, text=True, env=worker_env())  # fmt: skip
            events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
            paired = next((e for e in events if e["type"] == "paired"), None)
            if paired is None:
                print(f"A/A {i + 1}: no result: {proc.stderr[-400:]}")
                break
            parts.append({"against": "baseline", "latency": paired["latency"]})
        if len(parts) < count:
            continue
        lat = merge_paired(parts)["latency"]
        comp = dict(base, variant="baseline-again", paired={"against": "baseline", "latency": lat})
        verdict = compare(base, comp).to_dict()["verdict"]
        rows.append((lat["ratio"], lat["ratio_ci95"], verdict["time"]["direction"], lat["stopped"]))
        clause = next(c for c in compare(base, comp).verdict.clauses if c.goal == "time").text
        print(f"A/A {i + 1}: ratio {_fmt(lat['ratio'], lat['ratio_ci95'])}  {lat['pairs']} pairs, "
              f"stopped {lat['stopped']}; {clause}")  # fmt: skip
    return rows


def drift(args: argparse.Namespace, workdir: Path) -> None:
    """One-after-the-other against paired timing in one process, without and with a CPU hog from halfway."""
    from core.measure.timing import measure_latency
    from core.samples.evaldata import eval_data_path, load_eval_data
    from core.worker.loop import warm_up
    from core.worker.paired_runner import _open, time_pairs
    from core.worker.runner import Options, timed_input

    out = workdir / "setup.json"
    subprocess.run([*TOCOMPRESS, "run", "--model", args.model, "--compress", args.compress, "--json", str(out),
                    "--workdir", str(workdir / "runs"), "--no-paired", *FAST,
                    *(["--weights", args.weights] if args.weights else [])], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    data = json.loads(out.read_text())
    artifacts = [r["model"]["artifact"] for r in data["runs"]]
    spec = data["runs"][0]["spec"]
    t = args.seconds
    # Paired: never stop early (a tiny target, a huge threshold), so both modes time for the same 2T seconds.
    options = Options({"paired_max_seconds": 2 * t, "paired_target_pct": 1e-9, "paired_threshold_pct": 99.0})
    x = timed_input(load_eval_data(eval_data_path(dict(spec, workdir=str(workdir / "runs")))), 1)
    fns = [_open(a, x, options, lambda *a, **k: None, "const")[0] for a in artifacts]
    for fn in fns:
        warm_up(fn, 10)

    def sequential() -> float:
        means = []
        for fn in fns:
            stats, _, _ = measure_latency(fn, target_pct=1e-9, min_iters=2, max_iters=10**7, max_seconds=t,
                                          min_seconds=t)  # fmt: skip
            means.append(stats.mean_s)
        return means[1] / means[0]

    def paired() -> tuple[float, list[float]]:
        lat, _ = time_pairs(fns, options, ["a", "b"], lambda *a, **k: None)
        return lat["ratio"], lat["ratio_ci95"]

    for hog in (False, True):
        for name, measure in (("one-after-the-other", sequential), ("paired", paired)):
            hogs = _hog_later(t, os.cpu_count() or 1) if hog else None
            value = measure()
            if hogs is not None:
                hogs.stop()
            text = f"{value:.3f}" if isinstance(value, float) else _fmt(*value)
            print(f"{'hog from halfway' if hog else 'no hog':>17}  {name:>20}: {text}")


class _hog_later:  # noqa: N801 (reads as a call)
    """CPU-bound processes (one per core) started `delay_s` from now, stopped by stop()."""

    def __init__(self, delay_s: float, count: int) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.timer = threading.Timer(delay_s, self._start, args=(count,))
        self.timer.start()

    def _start(self, count: int) -> None:
        for _ in range(count):
            self.procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))

    def stop(self) -> None:
        self.timer.cancel()
        for proc in self.procs:
            proc.kill()
            proc.wait()


def _fmt(ratio: float | None, ci: list[float] | None) -> str:
    if ratio is None:
        return "none"
    return f"{ratio:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else " (no interval)")


def summary(rows: list[tuple[float, list[float] | None, str, str]]) -> None:
    ratios = [r[0] for r in rows if r[0] is not None]
    if not ratios:
        print("no ratios")
        return
    median = statistics.median(ratios)
    contain = sum(1 for r in rows if r[1] and r[1][0] <= median <= r[1][1])
    contain_one = sum(1 for r in rows if r[1] and r[1][0] <= 1.0 <= r[1][1])
    directions = {d: sum(1 for r in rows if r[2] == d) for d in {r[2] for r in rows}}
    print(f"\n{len(ratios)} runs: median ratio {median:.3f}, max/min {max(ratios) / min(ratios):.3f}, "
          f"{contain}/{len(rows)} intervals contain the median, {contain_one}/{len(rows)} contain 1; "
          f"verdicts {directions}; stopped {dict((s, [r[3] for r in rows].count(s)) for s in {r[3] for r in rows})}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--model", default="digits-cnn")
    parser.add_argument("--compress", default="q8")
    parser.add_argument("--weights", default=None)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="worker processes per variant and at least as many paired processes (tocompress run --repeat)",
    )
    parser.add_argument("--aa", action="store_true", help="A/A: the baseline against itself")
    parser.add_argument(
        "--processes", type=int, default=None, help="paired processes per run (default: the session's)"
    )
    parser.add_argument("--drift", action="store_true", help="a CPU hog from halfway: sequential vs paired")
    parser.add_argument("--seconds", type=float, default=6.0, help="--drift: seconds per variant (T)")
    parser.add_argument("--keep", default=None, help="keep artifacts and results in this folder")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="paired-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.drift:
            drift(args, workdir)
        else:
            summary(aa_runs(args, workdir) if args.aa else quick_checks(args, workdir))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
