"""Paired timing, two designs: both graphs in one run-stage process, or two run-stage processes taking turns.

Each round, in fresh processes and alternating order:
  one  the paired stage as shipped (`python -m core.worker`, stage "paired": both artifacts in one process);
  two  two worker-like child processes, one artifact each, both alive; this parent sends "run a block" to one at a
       time in ABBA order and pairs the blocks by the same rule (core.measure.paired).
It prints each round's ratio and interval per design, then per design the spread of the ratios (max/min) and the
median interval half-width. Process-to-process differences (memory layout, caches) stay inside every pair of the
two-process design, so its ratios scatter more from round to round; the one-process design shares them.

    python benchmarks/bench_paired_design.py [--rounds 5] [--model digits-cnn] [--compress q8] [--seconds 6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(artifact: str, spec_json: str) -> None:
    """Child process: load one artifact, warm up, then run one block per "b <seconds>" line read on stdin."""
    from core.samples.evaldata import eval_data_path, load_eval_data
    from core.worker.loop import warm_up
    from core.worker.paired_runner import _open
    from core.worker.runner import Options, timed_input

    spec = json.loads(spec_json)
    options = Options(spec.get("options") or {})
    x = timed_input(load_eval_data(eval_data_path(spec)), options.batch_size)
    run_once, _ = _open(artifact, x, options, lambda *a, **k: None, "const")
    warm_up(run_once, options.warmup_iters)
    print("ready", flush=True)
    for line in sys.stdin:
        block_s = float(line.split()[1])
        t0 = time.perf_counter()
        n = 0
        while True:
            run_once()
            n += 1
            t1 = time.perf_counter()
            if t1 - t0 >= block_s:
                break
        print(f"{n} {t1 - t0!r}", flush=True)


def two_processes(artifacts: list[str], spec: dict[str, Any], seconds: float) -> dict[str, Any]:
    from core.measure.paired import MIN_PAIRS, group_log_ratios, group_pattern, ratio_interval, stop_reason
    from core.run.worker_client import worker_env

    procs = [
        subprocess.Popen([sys.executable, __file__, "--child", a, json.dumps(spec)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=worker_env())
        for a in artifacts
    ]  # fmt: skip
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        costs: list[float] = []
        counts: list[float] = []
        start = time.perf_counter()
        while True:
            for v in group_pattern(len(costs) // 4):
                p = procs[v]
                assert p.stdin is not None and p.stdout is not None
                p.stdin.write("b 0.1\n")
                p.stdin.flush()
                n, elapsed = p.stdout.readline().split()
                counts.append(float(n))
                costs.append(float(elapsed))
            interval = ratio_interval(group_log_ratios(costs, counts))
            stopped = stop_reason(len(costs) // 4, time.perf_counter() - start, interval, 2.0, 2.0, MIN_PAIRS,
                                  seconds)  # fmt: skip
            if stopped:
                return {"ratio": interval[0], "ratio_ci95": [interval[1], interval[2]], "stopped": stopped,
                        "pairs": len(costs) // 4}  # fmt: skip
    finally:
        for p in procs:
            p.kill()
            p.wait()


def one_process(artifacts: list[str], spec: dict[str, Any]) -> dict[str, Any]:
    from core.run.worker_client import worker_env

    payload = dict(
        spec, stage="paired", paired={"variants": ["baseline", "compressed"], "artifacts": artifacts}
    )
    proc = subprocess.run([sys.executable, "-m", "core.worker"], input=json.dumps(payload), cwd=ROOT,
                          capture_output=True, text=True, env=worker_env())  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return next(e for e in events if e["type"] == "paired")["latency"]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default="digits-cnn")
    parser.add_argument("--compress", default="q8")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--seconds", type=float, default=10.0, help="paired timing cap per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="design-") as tmp:
        out = Path(tmp) / "setup.json"
        subprocess.run([sys.executable, "-m", "tui.cli", "run", "--model", args.model, "--compress", args.compress,
                        "--json", str(out), "--workdir", str(Path(tmp) / "runs"), "--no-paired", "--idle-seconds",
                        "0", "--eval-limit", "64", *(["--weights", args.weights] if args.weights else [])],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        data = json.loads(out.read_text())
        artifacts = [r["model"]["artifact"] for r in data["runs"]]
        spec = dict(data["runs"][0]["spec"], workdir=str(Path(tmp) / "runs"))
        spec["options"] = dict(spec["options"], paired_max_seconds=args.seconds)
        results: dict[str, list[dict[str, Any]]] = {"one": [], "two": []}
        for i in range(args.rounds):
            order = ("one", "two") if i % 2 == 0 else ("two", "one")
            for design in order:
                t0 = time.monotonic()
                r = (
                    one_process(artifacts, spec)
                    if design == "one"
                    else two_processes(artifacts, spec, args.seconds)
                )
                results[design].append(r)
                ci = r["ratio_ci95"]
                print(f"round {i + 1} {design}: {r['ratio']:.3f} ({ci[0]:.3f}-{ci[1]:.3f}) {r['pairs']} pairs, "
                      f"{r['stopped']}, {time.monotonic() - t0:.0f} s wall")  # fmt: skip
        for design, rs in results.items():
            ratios = [r["ratio"] for r in rs]
            half = [(r["ratio_ci95"][1] / r["ratio_ci95"][0]) ** 0.5 * 100 - 100 for r in rs]
            print(f"{design}: ratios {' '.join(f'{x:.3f}' for x in ratios)}; max/min {max(ratios) / min(ratios):.3f}; "
                  f"median half-width {statistics.median(half):.1f}%")  # fmt: skip


if __name__ == "__main__":
    main()
