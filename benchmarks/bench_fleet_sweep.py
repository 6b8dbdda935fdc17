"""Wall time of the same fleet sweep on one Dask worker and on two (one board kind, `--cluster local:N`), the
Dask worker's CPU share while points were timed (recorded in each result), and an idle worker's CPU share with
Dask's default settings and with the quiet ones (core.sweep.board.QUIET_DASK_CONFIG).

    python benchmarks/bench_fleet_sweep.py [--settings q8,q6,q16,p0.25] [--idle-s 10]

On a busy machine (other jobs on the cores) every figure is inflated; the script prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from core.runspec import RunOptions
from core.spec import CompressionSpec
from core.sweep.cluster import ClusterSweepRunner, connect, local_boards
from core.sweep.runner import SweepPlan
from core.sweep.store import SweepStore

OPTIONS = RunOptions(min_seconds=0.5, max_seconds=1.0, min_iters=5, warmup_iters=1, trace_passes=0,
                     idle_seconds=0.2, eval_limit=20)  # fmt: skip


def sweep_wall_s(n_workers: int, settings: list[str], root: Path) -> tuple[float, list[float]]:
    """Seconds for the whole sweep on N workers of one kind, and each point's Dask-worker CPU share (%)."""
    plan = SweepPlan(
        models=["digits-cnn"], settings=[CompressionSpec.parse(s) for s in settings], options=OPTIONS
    )
    out = root / f"s{n_workers}.jsonl"
    with (
        SweepStore(out) as store,
        connect(None, local_boards(n_workers, None, {}, "/sys"), root / f"f{n_workers}") as c,
    ):
        started = time.monotonic()
        summary = ClusterSweepRunner(plan, store, c, {"local": n_workers}).run()
        wall = time.monotonic() - started
    assert summary.measured == len(settings) + 1 and not summary.failed, summary
    shares = [
        r["environment"]["fleet"]["dask_worker"]["cpu_pct_of_one_core"]
        for r in map(json.loads, out.read_text().splitlines())
    ]
    return wall, [s for s in shares if s is not None]


def idle_share_pct(quiet: bool, seconds: float, root: Path) -> float:
    """CPU of one idle Dask worker process (its nanny excluded) over `seconds`, % of one core: the quiet worker
    as `--cluster local:N` starts it, or a plain LocalCluster worker with Dask's defaults."""
    from distributed import Client, LocalCluster

    if quiet:
        with connect(None, local_boards(1, None, {}, "/sys"), root / "quiet") as client:
            return _cpu_share(next(iter(client.run(os.getpid).values())), seconds)
    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        with Client(cluster) as client:
            return _cpu_share(next(iter(client.run(os.getpid).values())), seconds)


def _cpu_share(pid: int, seconds: float) -> float:
    proc = psutil.Process(pid)
    time.sleep(2.0)  # past start-up
    before, t0 = sum(proc.cpu_times()[:2]), time.monotonic()
    time.sleep(seconds)
    return (sum(proc.cpu_times()[:2]) - before) / (time.monotonic() - t0) * 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="q8,q6,q16,p0.25")
    parser.add_argument("--idle-s", type=float, default=10.0)
    args = parser.parse_args()
    settings = args.settings.split(",")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for quiet in (False, True):
            share = idle_share_pct(quiet, args.idle_s, root)
            print(f"idle Dask worker, {'quiet' if quiet else 'default'} settings: {share:.2f}% of one core")
        for n in (1, 2):
            wall, shares = sweep_wall_s(n, settings, root)
            med = f"{statistics.median(shares):.2f}" if shares else "n/a"
            print(
                f"digits-cnn baseline + {len(settings)} settings on {n} worker(s): {wall:.1f} s wall; Dask worker CPU "
                f"while timing: median {med}%, max {max(shares, default=float('nan')):.2f}% of one core "
                f"({len(shares)} points, 10 ms ticks over ~0.5-1 s spans)"
            )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
