"""Per model: grouped bars of each setting relative to the baseline, and the op-class breakdown per setting, stacked.

Bars carry `gid`s ("<metric>|<setting>") and error bars a label ("ci|<metric>|<setting>") so tests and tools can
read back exactly what was drawn. A missing value draws no bar (never a bar of height 0); the caption says why.
"""

from __future__ import annotations

import numpy as np

from core.figures.drawn import BASELINE_COLOUR, Drawn, colour, fmt, new_figure, plain_axes
from core.figures.inputs import ModelRuns
from core.figures.relative import Bar, model_bars
from core.measure.opclasses import CLASS_LABELS
from core.report.rows import metric_value

CLASSES = tuple(CLASS_LABELS)  # "A".."G"
CLASS_COLOURS = ("#0072B2", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#D55E00", "#999999")


def relative_bars(group: ModelRuns, slug: str) -> Drawn | None:
    """Size, latency, energy and quality of each setting / the baseline's, with 95% intervals as error bars."""
    if not group.settings:
        return None
    bars, labels = model_bars(group)
    metrics = list(dict.fromkeys(b.metric for b in bars))
    settings = list(group.settings)
    fig = new_figure(max(5.5, 1.6 * len(metrics) + 0.4 * len(settings)), 3.6)
    ax = fig.add_subplot()
    plain_axes(ax)
    width = 0.8 / len(settings)
    labelled: set[str] = set()
    for j, setting in enumerate(settings):
        for i, metric in enumerate(metrics):
            b = next(x for x in bars if x.metric == metric and x.setting == setting)
            if b.ratio is None:
                continue
            x = i - 0.4 + width * (j + 0.5)
            label = None if setting in labelled else setting
            labelled.add(setting)
            ax.bar(x, b.ratio, width * 0.92, color=colour(j), gid=f"{metric}|{setting}", label=label)
            if b.lo is not None and b.hi is not None:
                ax.errorbar(x, b.ratio, yerr=[[b.ratio - b.lo], [b.hi - b.ratio]], fmt="none", ecolor="#222222",
                            elinewidth=1, capsize=3, label=f"_ci|{metric}|{setting}")  # fmt: skip
    ax.axhline(1.0, color=BASELINE_COLOUR, linewidth=1, linestyle="--")
    ax.set_xticks(range(len(metrics)), labels)
    ax.set_ylabel("relative to the baseline (= 1)")
    ax.set_title(f"{group.model}: compressed / baseline")
    if any(b.ratio is not None for b in bars):
        ax.legend(frameon=False, fontsize="small", ncols=min(4, len(settings)))
    return Drawn(f"bars-{slug}", f"{group.model}: settings against the baseline", fig, _caption(bars),
                 _table(bars))  # fmt: skip


def _caption(bars: list[Bar]) -> str:
    parts = ["Bars: compressed / baseline (dashed line: no change)."]
    kinds = {b.metric: b.interval for b in bars if b.ratio is not None}
    paired = sorted(m for m, k in kinds.items() if k == "paired")
    per_run = sorted(m for m, k in kinds.items() if k == "per-run CIs")
    if paired:
        parts.append(f"Error bars on {', '.join(paired)}: 95% interval of the paired ratio (ABBA blocks).")
    if per_run:
        parts.append(
            f"Error bars on {', '.join(per_run)}: the two runs' 95% half-widths combined (one process each; "
            "run-to-run noise is not in them)."
        )
    bare = sorted(m for m, k in kinds.items() if k == "none" and m != "size")
    if bare:
        parts.append(f"No interval for {', '.join(bare)} (none measured).")
    for metric in dict.fromkeys(b.metric for b in bars):
        missing = [b for b in bars if b.metric == metric and b.ratio is None]
        if missing:
            who = ", ".join(b.setting for b in missing)
            parts.append(f"{metric} not drawn for {who}: {missing[0].reason}.")
    return " ".join(parts)


def _table(bars: list[Bar]) -> list[list[str]]:
    rows = [["metric", "setting", "baseline", "compressed", "ratio", "95% interval", "interval from"]]
    for b in bars:
        interval = f"{b.lo:.3f} – {b.hi:.3f}" if b.lo is not None and b.hi is not None else "—"
        ratio = "—" if b.ratio is None else f"{b.ratio:.3f}"
        rows.append([b.metric, b.setting, fmt(b.base), fmt(b.comp), ratio, interval, b.interval])
    return rows


def class_shares(run: dict | None) -> dict[str, float] | None:  # type: ignore[type-arg]
    """Share of traced op time per class A-G (0..1), None when the run has no op trace."""
    by_class = (
        (run or {}).get("ops", {}).get("by_class") if isinstance((run or {}).get("ops"), dict) else None
    )
    if not isinstance(by_class, dict):
        return None
    seconds = {c: metric_value(by_class, (c,)) or 0.0 for c in CLASSES}  # an absent class took no time
    total = sum(seconds.values())
    return {c: s / total for c, s in seconds.items()} if total > 0 else None


def opclass_stack(group: ModelRuns, slug: str) -> Drawn | None:
    """The seven op classes' share of traced time per setting (baseline first), stacked to 100%."""
    runs = ([("baseline", group.baseline)] if group.baseline is not None else []) + list(
        group.settings.items()
    )
    shares = {name: class_shares(run) for name, run in runs}
    drawn = [name for name, s in shares.items() if s is not None]
    if not drawn:
        return None
    fig = new_figure(max(5.0, 0.9 * len(drawn) + 3.0), 3.6)
    ax = fig.add_subplot()
    plain_axes(ax)
    bottom = np.zeros(len(drawn))
    for k, cls in enumerate(CLASSES):
        heights = np.array([100.0 * shares[name][cls] for name in drawn])  # type: ignore[index]
        ax.bar(range(len(drawn)), heights, 0.6, bottom=bottom, color=CLASS_COLOURS[k],
               label=f"{cls} {CLASS_LABELS[cls]}", gid=f"class|{cls}")  # fmt: skip
        bottom += heights
    ax.set_xticks(range(len(drawn)), drawn)
    ax.set_ylim(0, 100)
    ax.set_ylabel("share of traced op time (%)")
    ax.set_title(f"{group.model}: time per op class")
    ax.legend(frameon=False, fontsize="x-small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    caption = "The paper's seven op classes (assets/op_classes.json), share of the traced (untimed) passes."
    lacking = [name for name, s in shares.items() if s is None]
    if lacking:
        caption += f" No op trace for {', '.join(lacking)}: not drawn."
    table = [["setting", *CLASSES]] + [
        [name, *(f"{100 * shares[name][c]:.1f}%" for c in CLASSES)]  # type: ignore[index]
        for name in drawn
    ]
    return Drawn(f"opclasses-{slug}", f"{group.model}: op classes", fig, caption, table)


__all__ = ["class_shares", "opclass_stack", "relative_bars"]
