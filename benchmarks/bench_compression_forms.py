"""What does each compression form cost when the model runs? Size, latency, memory and per-op classes per setting.

For every setting the worker's compress stage writes the artifact once, then its run stage measures it in `--repeat`
separate processes, the settings interleaved (a, b, c, a, b, c, ...) so drift hits them alike. Latency is the mean
over processes with a 95% CI over the process means (run-to-run noise, which one process cannot see; within one
process the CI is printed when --repeat is 1). Peak RSS is polled from the run process; the footprint is its RSS when
timing ends minus its RSS before the artifact loads. Op classes are the shares of traced op time (F = quantize /
dequantize / cast). Every run stage uses the same session options (constant folding off), baseline included.

    python benchmarks/bench_compression_forms.py --model digits-cnn --repeat 3
    python benchmarks/bench_compression_forms.py --model resnet50 --weights random --settings baseline,q8,q8:load
    python benchmarks/bench_compression_forms.py --onednn 0 ...        # TF_ENABLE_ONEDNN_OPTS=0 in the run stage
    python benchmarks/bench_compression_forms.py --worker-python ~/.cache/tocompress/py36-tf115/bin/python ...

Figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.measure.timing import ci95_halfwidth_pct  # noqa: E402

DEFAULT_SETTINGS = "baseline,q16,q16:load,q8,q8:load,q8:ch,q6,q6:load,p0.5,q8+p0.25"


def worker(spec: dict[str, Any], python: str, env: dict[str, str]) -> tuple[list[dict[str, Any]], int | None]:
    """Run one worker stage; its events and the peak RSS of its process (polled every 20 ms), or None."""
    import psutil

    proc = subprocess.Popen(
        [python, "-m", "core.worker"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        try:
            handle = psutil.Process(proc.pid)
            while not done.wait(0.02):
                peak[0] = max(peak[0], handle.memory_info().rss)
        except psutil.Error:
            pass

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    out, _ = proc.communicate(json.dumps(spec))
    done.set()
    thread.join()
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    errors = [e["message"] for e in events if e["type"] == "error"]
    if proc.returncode != 0 or errors:
        raise SystemExit(
            f"{spec.get('stage')} stage of {spec['compression']} failed: {errors or proc.returncode}"
        )
    return events, peak[0] or None


def first(events: list[dict[str, Any]], type_: str) -> dict[str, Any]:
    return next(e for e in events if e["type"] == type_)


def measure(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    options = {
        "min_iters": args.min_iters,
        "max_iters": args.max_iters,
        "max_seconds": args.max_seconds,
        "min_seconds": args.min_seconds,
        "warmup_iters": 10,
        "trace_passes": args.trace_passes,
        "eval_limit": args.eval_limit,
        "batch_size": args.batch_size,
    }
    base = {"model": args.model, "workdir": args.workdir, "options": options}
    if args.weights:
        base["weights"] = args.weights
    run_env = dict(os.environ)
    if args.onednn is not None:
        run_env["TF_ENABLE_ONEDNN_OPTS"] = args.onednn
    rows: dict[str, dict[str, Any]] = {}
    for setting in settings:
        events, _ = worker(
            {**base, "compression": setting, "stage": "compress"}, sys.executable, dict(os.environ)
        )
        model = first(events, "model")
        rows[setting] = {"model": model, "runs": []}
        print(f"compressed {setting}: {model['size_bytes']} bytes", file=sys.stderr)
    for repeat in range(args.repeat):
        for setting in settings:
            spec = {
                **base,
                "compression": setting,
                "stage": "run",
                "artifact": rows[setting]["model"]["artifact"],
            }
            events, peak = worker(spec, args.worker_python, run_env)
            rows[setting]["runs"].append({"events": events, "peak_rss": peak})
            print(f"run {repeat + 1}/{args.repeat} {setting}: {first(events, 'latency')['mean_s'] * 1e3:.3f} ms",
                  file=sys.stderr)  # fmt: skip
    return rows


def summarize(setting: str, row: dict[str, Any]) -> dict[str, Any]:
    runs = row["runs"]
    latencies = [first(r["events"], "latency") for r in runs]
    means = [lat["mean_s"] for lat in latencies]
    ci = ci95_halfwidth_pct(means) if len(means) > 1 else latencies[0]["ci95_halfwidth_pct"]
    footprints = []
    for r in runs:
        load = next(e for e in r["events"] if e["type"] == "phase" and e["name"] == "load")
        footprints.append(first(r["events"], "latency")["rss_bytes"] - load["rss_bytes"])
    ops = [e for r in runs for e in r["events"] if e["type"] == "ops" and e.get("final")]
    shares: dict[str, float] = {}
    by_type: dict[str, float] = {}
    for profile in ops:
        total = profile["total_s"] or 0.0
        for cls, seconds in (profile.get("by_class") or {}).items():
            shares[cls] = shares.get(cls, 0.0) + (seconds / total if total else 0.0) / len(ops)
        for op, seconds in (profile.get("by_type") or {}).items():
            by_type[op] = by_type.get(op, 0.0) + seconds / len(ops)
    evals = [first(r["events"], "eval") for r in runs]
    return {
        "setting": setting,
        "size_bytes": row["model"]["size_bytes"],
        "mean_ms": float(np.mean(means)) * 1e3,
        "ci_pct": ci if ci is not None and math.isfinite(ci) else None,
        "peak_rss_mb": max((r["peak_rss"] or 0) for r in runs) / 2**20,
        "footprint_mb": float(np.mean(footprints)) / 2**20,
        "classes": dict(sorted(shares.items(), key=lambda kv: -kv[1])),
        "by_type_ms": {op: s * 1e3 for op, s in sorted(by_type.items(), key=lambda kv: -kv[1])[:6]},
        "top1": evals[0].get("top1"),
    }


def print_table(summaries: list[dict[str, Any]]) -> None:
    base = next((s for s in summaries if s["setting"] == "baseline"), summaries[0])
    header = f"{'setting':<16}{'size KB':>10}{'size':>7}{'mean ms':>10}{'CI%':>6}{'vs base':>8}{'peakMB':>8}" \
             f"{'footMB':>8}{'top1':>7}  top op classes (share of traced op time)"  # fmt: skip
    print(header)
    for s in summaries:
        classes = " ".join(f"{c}{v * 100:.0f}%" for c, v in list(s["classes"].items())[:4] if v > 0.005)
        ci = f"{s['ci_pct']:.1f}" if s["ci_pct"] is not None else "-"
        top1 = f"{s['top1']:.3f}" if s["top1"] is not None else "-"
        print(
            f"{s['setting']:<16}{s['size_bytes'] / 1024:>10.1f}{s['size_bytes'] / base['size_bytes']:>7.3f}"
            f"{s['mean_ms']:>10.3f}{ci:>6}{s['mean_ms'] / base['mean_ms']:>8.3f}{s['peak_rss_mb']:>8.0f}"
            f"{s['footprint_mb']:>8.1f}{top1:>7}  {classes}"
        )
    print("\ntraced op time per inference (ms), top ops:")
    for s in summaries:
        print(f"  {s['setting']:<16}" + ", ".join(f"{op} {ms:.3f}" for op, ms in s["by_type_ms"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="digits-cnn")
    parser.add_argument(
        "--weights", choices=["random"], default=None, help="seeded random weights (no download)"
    )
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="comma-separated settings")
    parser.add_argument("--repeat", type=int, default=1, help="run-stage processes per setting")
    parser.add_argument("--min-iters", type=int, default=30)
    parser.add_argument("--max-iters", type=int, default=20000)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--min-seconds", type=float, default=2.0)
    parser.add_argument("--trace-passes", type=int, default=3)
    parser.add_argument("--eval-limit", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--workdir", default=None, help="artifact folder (default: a temporary one)")
    parser.add_argument("--worker-python", default=sys.executable, help="interpreter of the run stage")
    parser.add_argument(
        "--onednn", choices=["0", "1"], default=None, help="TF_ENABLE_ONEDNN_OPTS for the run stage"
    )
    parser.add_argument("--json", default=None, help="also write the summaries here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-forms-") as scratch:
        args.workdir = args.workdir or scratch
        started = time.perf_counter()
        rows = measure(args)
        summaries = [summarize(setting, row) for setting, row in rows.items()]
    print(f"\n{args.model} ({args.weights or 'own'} weights), repeat {args.repeat}, run stage "
          f"{args.worker_python}, oneDNN {args.onednn or 'default'}, {time.perf_counter() - started:.0f} s")  # fmt: skip
    print_table(summaries)
    if args.json:
        Path(args.json).write_text(json.dumps(summaries, indent=1))


if __name__ == "__main__":
    main()
