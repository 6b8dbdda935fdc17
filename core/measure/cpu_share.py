"""Who used the CPU while the model was timed: the worker, the tool that started it, and every other process.

Read from /proc before and after the timed loop, so the figures cover exactly the timed span: the tool's share is
what the dashboard and the sampler cost the measurement, the others' share says whether the machine was busy (a
timing taken beside a compile job is not the model's). Linux only; elsewhere every figure is None with the reason.
Python 3.6-compatible (the run stage uses it).
"""

import os
import time
from typing import Any, Dict, Optional, Tuple  # noqa: F401 (used by the type comments)

# Other processes keeping more than this share of one core busy during timing make the result "measured on a busy
# machine": a fifth of a core is well above a quiet desktop's background and well below one competing job.
BUSY_OTHER_PCT_OF_ONE_CORE = 20.0


def _ticks_per_s():
    # type: () -> float
    try:
        return float(os.sysconf("SC_CLK_TCK"))
    except (ValueError, OSError, AttributeError):
        return 100.0


def process_cpu_s(pid, proc_root="/proc"):
    # type: (int, str) -> Optional[float]
    """User + system CPU seconds of process `pid` (all its threads), None when it cannot be read."""
    try:
        with open(os.path.join(proc_root, str(pid), "stat")) as f:
            text = f.read()
    except OSError:
        return None
    fields = text[
        text.rfind(")") + 2 :
    ].split()  # the command name may hold spaces; fields start at state (3)
    try:
        return (int(fields[11]) + int(fields[12])) / _ticks_per_s()
    except (IndexError, ValueError):
        return None


def system_busy_s(proc_root="/proc"):
    # type: (str) -> Optional[Tuple[float, int]]
    """(busy CPU seconds summed over all cores since boot, core count); idle and iowait are not busy."""
    try:
        with open(os.path.join(proc_root, "stat")) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    if not lines or not lines[0].startswith("cpu "):
        return None
    ticks = [int(x) for x in lines[0].split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already inside user and nice]
    total = sum(ticks[:8])
    busy = total - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)
    cores = sum(1 for line in lines[1:] if line.startswith("cpu"))
    return busy / _ticks_per_s(), cores


class CpuShare:
    """`start()` before the timed loop, `stop()` after: the CPU shares of the worker, the tool and the rest."""

    def __init__(self, worker_pid=None, tool_pid=None, proc_root="/proc", clock=time.monotonic):
        # type: (Optional[int], Optional[int], str, Any) -> None
        self.worker_pid = os.getpid() if worker_pid is None else worker_pid
        # The process that started this worker is the tool (dashboard or `tocompress run`, with the sampler).
        self.tool_pid = os.getppid() if tool_pid is None else tool_pid
        self.proc_root = proc_root
        self.clock = clock
        self._start = None  # type: Optional[Tuple[float, Optional[float], Optional[float], Any]]

    def _read(self):
        # type: () -> Tuple[float, Optional[float], Optional[float], Any]
        return (
            self.clock(),
            process_cpu_s(self.worker_pid, self.proc_root),
            process_cpu_s(self.tool_pid, self.proc_root),
            system_busy_s(self.proc_root),
        )

    def start(self):
        # type: () -> None
        self._start = self._read()

    def stop(self):
        # type: () -> Dict[str, Any]
        """The shares over the span since start(), in % of one core; None (with `reason`) where unreadable."""
        if self._start is None:
            raise RuntimeError("CpuShare.stop() before start()")
        (w0, worker0, tool0, sys0), (w1, worker1, tool1, sys1) = self._start, self._read()
        wall_s = w1 - w0
        out = {
            "wall_s": wall_s,
            "cores": None,
            "worker_pct_of_one_core": None,
            "tool_pct_of_one_core": None,
            "system_busy_pct_of_one_core": None,
            "other_pct_of_one_core": None,
            "busy": None,
            "busy_threshold_pct_of_one_core": BUSY_OTHER_PCT_OF_ONE_CORE,
            "reason": None,
        }  # type: Dict[str, Any]
        if wall_s <= 0:
            out["reason"] = "the timed span was empty"
            return out
        if worker0 is not None and worker1 is not None:
            out["worker_pct_of_one_core"] = 100.0 * (worker1 - worker0) / wall_s
        if tool0 is not None and tool1 is not None:
            out["tool_pct_of_one_core"] = 100.0 * (tool1 - tool0) / wall_s
        if sys0 is None or sys1 is None:
            out["reason"] = "no /proc/stat here: the system's CPU load is unknown"
            return out
        out["cores"] = sys1[1]
        busy = 100.0 * (sys1[0] - sys0[0]) / wall_s
        out["system_busy_pct_of_one_core"] = busy
        if out["worker_pct_of_one_core"] is None or out["tool_pct_of_one_core"] is None:
            out["reason"] = "the worker's or the tool's CPU time could not be read"
            return out
        # CPU times tick at 100 Hz per process, so small negatives are rounding: clip at 0.
        other = max(0.0, busy - out["worker_pct_of_one_core"] - out["tool_pct_of_one_core"])
        out["other_pct_of_one_core"] = other
        out["busy"] = other > BUSY_OTHER_PCT_OF_ONE_CORE
        return out
