"""The words a report uses for what a result holds: its weights, a busy machine, what measuring cost, counts.

Shared by every face (the CLI's printed report, the dashboard's results header, the sweep's tables), so a
result reads the same everywhere; numbers in, plain strings out (no styling: the faces colour them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.models.registry import DIGITS_CNN_FILE, NMT_DEMO_FILE

# The weights files that ship with tocompress (trained here on the demo sets), by file name.
_SHIPPED_FILES = {DIGITS_CNN_FILE[-1], NMT_DEMO_FILE[-1]}


def short_count(n: float) -> str:
    """151306 -> 151k, 2410000 -> 2.41M, 211e6 -> 211M: parameter and FLOP counts as the paper writes them."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.3g}{suffix}"
    return f"{n:g}"


def describe_weights(block: Any) -> str | None:
    """A result's `model.weights` block in words: "random weights (seed 0)", "pretrained weights FILE (sha256
    0123abcd…)", "shipped demo weights digits-cnn.keras" for the files that ship (trained here on the demo sets,
    not someone's pretrained release); None for an older result without one."""
    if isinstance(block, str):  # results written before the block had a kind: "random (seed 0)" or the file
        if block.startswith("random"):
            return f"{block} weights"
        name = Path(block).name
        return f"{'shipped demo' if name in _SHIPPED_FILES else 'pretrained'} weights {name}"
    if not isinstance(block, dict):
        return None
    if block.get("kind") == "random":
        return f"random weights (seed {block.get('seed')}): accuracy not measured"
    file = Path(str(block["file"])).name if block.get("file") else "(file unknown)"
    digest = str(block.get("sha256") or "")[:12]
    kind = "shipped demo weights" if file in _SHIPPED_FILES else "pretrained weights"
    return f"{kind} {file}" + (f" (sha256 {digest}…)" if digest else "")


def weights_of_result(result: dict[str, Any]) -> str | None:
    """The weights line of a result file: from its first run that reports them."""
    for run in result.get("runs") or []:
        line = describe_weights((run.get("model") or {}).get("weights"))
        if line is not None:
            return line
    return None


def busy_warnings(result: dict[str, Any]) -> list[str]:
    """One line per run timed while other processes kept the CPU busy (latency.cpu from core.measure.cpu_share)."""
    lines = []
    for run in result.get("runs") or []:
        cpu = (run.get("latency") or {}).get("cpu") or {}
        if cpu.get("busy"):
            lines.append(
                f"{run.get('variant')}: the machine was busy while it was timed: other processes used "
                f"{cpu.get('other_pct_of_one_core', 0):.0f}% of a core (warning above "
                f"{cpu.get('busy_threshold_pct_of_one_core', 0):.0f}%); its latency may be inflated, run again on a "
                "quiet machine"
            )
    return lines


def measurement_cost_line(result: dict[str, Any]) -> str | None:
    """What measuring cost, in one line: the dashboard's mode, the sampler's CPU, the tool's CPU during timing, pinning."""
    env = result.get("environment") or {}
    parts = []
    if env.get("dashboard_mode"):
        parts.append(f"dashboard {env['dashboard_mode']}")
    sampler = env.get("sampler") or {}
    if sampler.get("cpu_pct_of_one_core") is not None:
        parts.append(f"sampler {sampler['cpu_pct_of_one_core']:.1f}% of a core")
    shares = [
        ((run.get("latency") or {}).get("cpu") or {}).get("tool_pct_of_one_core")
        for run in result.get("runs") or []
    ]
    tool = [float(t) for t in shares if t is not None]
    if tool:
        parts.append(f"tool {max(tool):.1f}% of a core while timing")
    dask_worker = (env.get("fleet") or {}).get("dask_worker") or {}
    if dask_worker.get("cpu_pct_of_one_core") is not None:  # a fleet sweep's point (core.sweep.board)
        parts.append(f"Dask worker {dask_worker['cpu_pct_of_one_core']:.1f}% of a core while timing")
    pinning = env.get("pinning") or {}
    if pinning:
        parts.append(f"pinning: {pinning.get('reason')}" if pinning.get("enabled") else "not pinned")
    return "measured with " + "; ".join(parts) if parts else None
