"""CPU placement: the timed worker on its own cores, the tool (dashboard, sampler threads) on another.

On a board with cores to spare, the dashboard's redraws and the 1 kHz sampler otherwise preempt the model's threads
now and then, and that time is reported as the model's. The first allowed core goes to the tool, the rest to the
worker. On a TX2 (CPU 0 and 3-5: Cortex-A57; 1-2: Denver 2) that puts the tool on CPU 0, an A57 that also services
most interrupts, and leaves the worker both Denver cores and three A57s; in the power modes that switch the Denver
cores off (Max-Q, Max-P ARM) they are not in the allowed set and the plan uses what is online. Off by default below
MIN_CORES_TO_PIN cores: on 2 cores, one core for the tool would halve the model's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIN_CORES_TO_PIN = 4


@dataclass(frozen=True)
class PinPlan:
    """Which cores the worker and the tool get; empty tuples and the reason when nothing is pinned."""

    enabled: bool
    worker_cores: tuple[int, ...]
    tool_cores: tuple[int, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "worker_cores": list(self.worker_cores) or None,
            "tool_cores": list(self.tool_cores) or None,
            "reason": self.reason,
        }


def pin_setting(text: str) -> bool | None:
    """The `--pin` choice as SessionConfig.pin: "on" True, "off" False, "auto" None."""
    return {"on": True, "off": False}.get(text)


def allowed_cores() -> list[int]:
    """The cores this process may run on (online ones only), sorted; every core when the OS cannot say."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return list(range(os.cpu_count() or 1))


def plan_pinning(cores: Sequence[int], pin: bool | None = None) -> PinPlan:
    """The placement for `cores`: `pin` True forces it (2 cores or more), False turns it off, None decides by count."""
    cores = sorted(set(cores))
    n = len(cores)
    if pin is False:
        return PinPlan(False, (), (), "turned off")
    if n < 2:
        return PinPlan(False, (), (), f"{n} core: nothing to separate")
    if pin is None and n < MIN_CORES_TO_PIN:
        return PinPlan(
            False,
            (),
            (),
            f"{n} cores: the tool would take 1/{n} of the model's CPU; pinning starts at {MIN_CORES_TO_PIN} cores",
        )
    tool, worker = (cores[0],), tuple(cores[1:])
    return PinPlan(True, worker, tool, f"tool on CPU {tool[0]}, worker on CPUs {_ranges(worker)}")


def _ranges(cores: Sequence[int]) -> str:
    """1,2,3,5 -> "1-3,5"."""
    parts: list[str] = []
    start = prev = cores[0]
    for core in list(cores[1:]) + [None]:  # type: ignore[list-item]
        if core is not None and core == prev + 1:
            prev = core
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if core is not None:
            start = prev = core
    return ",".join(parts)


def pin_process(pid: int, cores: Sequence[int], all_threads: bool = False) -> str | None:
    """Restrict `pid` (every thread of it with `all_threads`) to `cores`; None on success, else why not."""
    tids = [pid]
    if all_threads:
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            pass
    try:
        for tid in tids:
            os.sched_setaffinity(tid, set(cores))
    except (AttributeError, OSError) as exc:
        return f"could not pin pid {pid} to CPUs {list(cores)}: {exc}"
    return None


class Placement:
    """A run's pinning: `pin_tool()` once the sampler threads exist, `pin_worker(pid)` per run stage, `restore()`.

    Failures do not stop the run: they are kept in `to_json()["errors"]` (the result's environment block).
    """

    def __init__(self, pin: bool | None = None, cores: Sequence[int] | None = None) -> None:
        self.plan = plan_pinning(allowed_cores() if cores is None else cores, pin)
        self.errors: list[str] = []
        self._original: list[int] | None = None

    def pin_tool(self) -> None:
        if self.plan.enabled and self._original is None:
            self._original = allowed_cores()
            self._note(pin_process(os.getpid(), self.plan.tool_cores, all_threads=True))

    def pin_worker(self, pid: int | None) -> None:
        if self.plan.enabled and pid is not None:
            self._note(pin_process(pid, self.plan.worker_cores))

    def restore(self) -> None:
        """Give this process back the cores it had (the dashboard outlives the run)."""
        if self._original is not None:
            self._note(pin_process(os.getpid(), self._original, all_threads=True))
            self._original = None

    def _note(self, error: str | None) -> None:
        if error is not None and error not in self.errors:
            self.errors.append(error)

    def to_json(self) -> dict[str, Any]:
        return {**self.plan.to_json(), "errors": list(self.errors)}


__all__ = [
    "MIN_CORES_TO_PIN",
    "Placement",
    "PinPlan",
    "allowed_cores",
    "pin_process",
    "pin_setting",
    "plan_pinning",
]
