"""Does measuring disturb the measurement? A bare loop vs `tocompress run` vs the dashboard, same model and setting.

Each round runs, in fresh processes and alternating order: (1) a bare loop, the run stage's graph alone (built from
the artifact the compress stage made, timed by the same stopping rule, no events, no sampler, no tool process),
(2) `tocompress run`, (3) the dashboard in a real terminal (tmux, 100x30, `--autorun --save`). It prints each round's
ratios CLI/bare and dashboard/bare, their mean with a 95% CI over rounds (Student t), and where the time goes: the
progress events emitted, the tool's and the other processes' CPU during timing (from the latency block's `cpu`,
read from /proc by the worker) and the dashboard's mode. Other users of the machine show in "others".

    python benchmarks/bench_perturbation.py [--rounds 5] [--model digits-cnn] [--compress baseline] [--no-dashboard]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOCOMPRESS = str(ROOT / ".venv" / "bin" / "tocompress")
# Shorter than the defaults where it does not touch timing: no idle power, no op trace, a small evaluation.
SOCKET = f"perturb{os.getpid()}"  # a tmux server of our own: other users' tmux sessions do not touch it
COMMON = ["--idle-seconds", "0", "--trace-passes", "0", "--eval-limit", "64"]


def bare(artifact: str, options_json: str) -> None:
    """Child process: time the artifact's graph with the run stage's own rule, and print one JSON line."""
    import tensorflow as tf

    from core.artifact.graph_build import build_graph, open_session
    from core.measure.timing import measure_latency
    from core.samples.evaldata import eval_data_path, load_eval_data
    from core.worker.loop import warm_up
    from core.worker.runner import Options

    data = json.loads(options_json)
    options = Options(data["options"])
    evaluation = load_eval_data(eval_data_path(data))
    built = build_graph(artifact)
    sess = open_session(built, tf)
    feed = {built.inputs[0]: evaluation.x[: options.batch_size]}
    fetches = built.outputs

    def run_once() -> None:
        sess.run(fetches, feed)

    warm_up(run_once, options.warmup_iters)
    stats, _, _ = measure_latency(
        run_once,
        target_pct=options.ci_target_pct,
        min_iters=options.min_iters,
        max_iters=options.max_iters,
        max_seconds=options.max_seconds,
        min_seconds=options.min_seconds,
        pause_gc=False,  # a bare loop: nothing the tool adds, gc pause included
    )
    print(json.dumps({"mean_s": stats.mean_s, "n": stats.n}))


def run_bare(artifact: str, spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--bare", artifact, json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_cli(args: argparse.Namespace, workdir: Path, out: Path) -> dict[str, Any]:
    cmd = [
        TOCOMPRESS,
        "run",
        "-m",
        args.model,
        "-c",
        args.compress,
        "--workdir",
        str(workdir),
        "--json",
        str(out),
    ]
    done = subprocess.run(cmd + COMMON, capture_output=True, text=True, check=False)
    if not out.exists():
        raise SystemExit(f"tocompress run wrote no result (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(out.read_text())


def run_dashboard(
    args: argparse.Namespace, workdir: Path, out: Path, extra: list[str]
) -> dict[str, Any] | None:
    """The dashboard in a 100x30 tmux terminal until it saves `out`; None (with the screen printed) if it never does."""
    name = f"perturb{os.getpid()}"
    cmd = [TOCOMPRESS, "-m", args.model, "-c", args.compress, "--workdir", str(workdir), "--autorun",
           "--save", str(out), *COMMON, *extra]  # fmt: skip
    # `; sleep` keeps the pane after a crash so its last screen can be shown.
    shell = " ".join(cmd) + "; sleep 600"
    # Killing the last session stops the tmux server; a new session started while it exits can fail: retry.
    for _attempt in range(3):
        started = subprocess.run(
            ["tmux", "-L", SOCKET, "new-session", "-d", "-s", name, "-x", "100", "-y", "30", shell],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if started.returncode == 0:
            break
        time.sleep(1.0)
    else:
        raise SystemExit(f"tmux could not start the dashboard: {started.stderr.strip()}")
    try:
        deadline = time.monotonic() + 300
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(0.5)  # let the save finish writing
        if not out.exists():
            screen = subprocess.run(
                ["tmux", "-L", SOCKET, "capture-pane", "-p", "-t", name], capture_output=True, text=True
            )
            print("    the dashboard saved nothing; its last screen:\n" + screen.stdout[-1500:])
            return None
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", name], capture_output=True, check=False)
    return json.loads(out.read_text())


def first_run(result: dict[str, Any]) -> dict[str, Any]:
    runs = [r for r in result.get("runs") or [] if r.get("latency")]
    if not runs:
        raise SystemExit(f"no latency in the result: {result.get('errors')}")
    return runs[-1]


def ci95(values: list[float]) -> tuple[float, float]:
    """Mean and 95% CI half-width (Student t) over rounds."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return float(x.mean()), float("nan")
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def fmt_cpu(cpu: dict[str, Any] | None) -> str:
    if not cpu:
        return "cpu: n/a"

    def pct(key: str) -> str:
        v = cpu.get(key)
        return "—" if v is None else f"{v:5.1f}%"

    return (f"worker {pct('worker_pct_of_one_core')}, tool {pct('tool_pct_of_one_core')}, "
            f"others {pct('other_pct_of_one_core')} of one core")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--model", default="digits-cnn")
    p.add_argument("--compress", default="baseline")
    p.add_argument("--no-dashboard", action="store_true")
    p.add_argument("--dashboard-args", default="", help="extra dashboard flags")
    p.add_argument(
        "--also-live", action="store_true", help="also time the dashboard with --no-quiet each round"
    )
    p.add_argument("--bare", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.bare:
        bare(*args.bare)
        return
    if not args.no_dashboard and not shutil.which("tmux"):
        raise SystemExit("tmux not found: install it or pass --no-dashboard")
    tmp = Path(tempfile.mkdtemp(prefix="perturb-"))
    workdir = tmp / "runs"
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} cores; work in {tmp}")
    prep = run_cli(
        args, workdir, tmp / "prep.json"
    )  # makes (and caches) the artifact and the evaluation data
    run = first_run(prep)
    artifact = run["model"]["artifact"]
    spec = dict(run["spec"])
    ratios: dict[str, list[float]] = {"cli": [], "dashboard": [], "dash-live": []}
    for k in range(args.rounds):
        order = ["bare", "cli", "dashboard"] if k % 2 == 0 else ["dashboard", "cli", "bare"]
        if args.no_dashboard:
            order.remove("dashboard")
        elif args.also_live:
            order.insert(order.index("dashboard") + (k % 2), "dash-live")
        means: dict[str, float] = {}
        notes: list[str] = []
        for kind in order:
            out = tmp / f"r{k}-{kind}.json"
            if kind == "bare":
                means[kind] = run_bare(artifact, spec)["mean_s"]
                continue
            if kind == "cli":
                result = run_cli(args, workdir, out)
            else:
                extra = args.dashboard_args.split() + (["--no-quiet"] if kind == "dash-live" else [])
                result = run_dashboard(args, workdir, out, extra)
                if result is None:
                    continue
            latency = first_run(result)["latency"]
            means[kind] = latency["mean_s"]
            env = result.get("environment") or {}
            mode = env.get("dashboard_mode") or "-"
            notes.append(f"{kind:9s} n={latency['n']:6d} {fmt_cpu(latency.get('cpu'))}; dashboard mode {mode}; "
                         f"pinning {env.get('pinning', {}).get('enabled') if env.get('pinning') else '-'}")  # fmt: skip
        line = f"round {k + 1}: bare {means['bare'] * 1e6:8.1f} us"
        for kind in ("cli", "dashboard", "dash-live"):
            if kind in means:
                ratios[kind].append(means[kind] / means["bare"])
                line += f" | {kind} {means[kind] * 1e6:8.1f} us ratio {ratios[kind][-1]:.3f}"
        print(line + f" | load {os.getloadavg()[0]:.2f}")
        for note in notes:
            print("    " + note)
    print()
    for kind, values in ratios.items():
        if values:
            mean, half = ci95(values)
            print(f"{kind:9s}/bare: mean {mean:.3f} +- {half:.3f} (95% CI over {len(values)} rounds), "
                  f"median {np.median(values):.3f}, rounds {' '.join(f'{v:.3f}' for v in values)}")  # fmt: skip
    print(f"load average at end: {os.getloadavg()}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
