"""A recording's telemetry over time: board power with the run's phases shaded, the worker's RSS, GPU load.

Phases come from the recorded worker events (`phase`: load, warmup, timing, tracing, evaluating, done) and the
session's idle measurement; each variant's timing phase is shaded in its colour, its other working phases lighter.
A quantity no source recorded gets no line: its panel says so, and so does the caption.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.patches import Patch

from core.figures.drawn import Drawn, colour, fmt, new_figure
from core.telemetry.replay import Trace

# (panel label, reading key, scale to the plotted unit)
PANELS: tuple[tuple[str, str, float], ...] = (
    ("power (W)", "power_mw", 1e-3),
    ("worker RSS (MB)", "rss_bytes", 1e-6),
    ("GPU load (%)", "gpu_load_pct", 1.0),
)
SHADED = {"timing": 0.28, "warmup": 0.12, "tracing": 0.12, "evaluating": 0.12}


def series(trace: Trace, key: str) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The first source that recorded `key`: its name, times and values (None values dropped)."""
    for name, t in trace.t.items():
        rows = trace.readings[name]
        if not any(row.get(key) is not None for row in rows):
            continue
        pairs = [(float(t[i]), float(v)) for i, row in enumerate(rows) if (v := row.get(key)) is not None]
        return name, np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])
    return None


def phase_spans(events: list[dict[str, Any]]) -> list[tuple[str, str, float, float]]:
    """(variant, phase, start, end) for each recorded phase; a phase ends where the next event of its variant's
    worker changes phase or the worker exits; the idle measurement is variant "" and phase "idle"."""
    spans: list[tuple[str, str, float, float]] = []
    open_: dict[str, tuple[str, float]] = {}
    idle_start: float | None = None
    for e in events:
        t = e.get("t")
        if not isinstance(t, (int, float)):
            continue
        state = e.get("state")
        if e.get("type") == "session" and state == "idle":
            idle_start = float(t)
        elif e.get("type") == "session" and state == "idle-done" and idle_start is not None:
            spans.append(("", "idle", idle_start, float(t)))
        variant = str(e.get("variant") or "")
        ends = e.get("type") == "phase" or (e.get("type") == "session" and state == "worker-exit")
        if ends and variant in open_:
            name, start = open_.pop(variant)
            spans.append((variant, name, start, float(t)))
        if e.get("type") == "phase" and e.get("name") != "done":
            open_[variant] = (str(e.get("name")), float(t))
    return spans


def telemetry_figure(trace: Trace, model: str) -> Drawn | None:
    """Three panels over recorded time; None when the recording holds none of the three quantities."""
    found = {key: series(trace, key) for _, key, _ in PANELS}
    if not any(found.values()):
        return None
    times = [float(v[1][0]) for v in found.values() if v is not None]
    times += [float(e["t"]) for e in trace.events if isinstance(e.get("t"), (int, float))]
    t0 = min(times)
    spans = phase_spans(trace.events)
    variants = list(dict.fromkeys(v for v, _, _, _ in spans if v))
    fig = new_figure(7.5, 5.2)
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    table = [["quantity", "source", "samples", "min", "mean", "max"]]
    missing = []
    for ax, (label, key, scale) in zip(axes, PANELS, strict=True):
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_ylabel(label, fontsize="small")
        for variant, phase, start, end in spans:
            alpha = 0.18 if phase == "idle" else SHADED.get(phase)
            if alpha:
                tint = "#777777" if phase == "idle" else colour(variants.index(variant))
                ax.axvspan(start - t0, end - t0, color=tint, alpha=alpha, linewidth=0)
        data = found[key]
        if data is None:
            missing.append(label.split(" (")[0])
            ax.text(0.5, 0.5, "not recorded on this machine", transform=ax.transAxes, ha="center",
                    color="#666666", fontsize="small")  # fmt: skip
            continue
        name, t, values = data
        ax.plot(t - t0, values * scale, color="#222222", linewidth=0.8, gid=f"series|{key}")
        table.append([label, name, str(len(values)), fmt(float(values.min() * scale)),
                      fmt(float(values.mean() * scale)), fmt(float(values.max() * scale))])  # fmt: skip
    axes[-1].set_xlabel("time since the recording started (s)")
    if variants:
        handles = [Patch(color=colour(i), alpha=0.5, label=f"{v} timing") for i, v in enumerate(variants)]
        axes[0].legend(handles=handles, frameon=False, fontsize="x-small", loc="upper left")
    axes[0].set_title(f"{model}: telemetry over the run")
    caption = (
        "Shaded: each variant's timed phase (darker), its warm-up, tracing and evaluation (lighter); grey: the idle "
        "power measurement before the run."
    )
    if missing:
        caption += f" Not recorded on this machine: {', '.join(missing)} (no line drawn)."
    note = trace.header.get("note")
    if note:
        caption += f" Recording's note: {note}"
    return Drawn("telemetry", f"{model}: telemetry over time", fig, caption, table)


__all__ = ["phase_spans", "series", "telemetry_figure"]
