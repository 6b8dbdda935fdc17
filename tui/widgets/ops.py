"""Per-op timing: share of traced time by the paper's seven op classes, and the op types that cost the most.

It updates as `ops` events arrive (one per trace pass), and puts the baseline's share beside the compressed
variant's, which is where de-quantization cost (class F) shows up.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tui.view.format import fmt_seconds
from tui.widgets.livetext import LiveText

OP_CLASS_LABELS: dict[str, str] = {
    "A": "conv",
    "B": "matmul/FC",
    "C": "elementwise",
    "D": "normalize",
    "E": "pool/reshape",
    "F": "quant/cast",
    "G": "other/RNN",
}
TOP_TYPES = 3
# De-quantization's class: always drawn, even at 0%, because its share is the paper's answer for quantized weights.
ALWAYS_SHOWN = ("F",)


def fmt_share(share: float) -> str:
    """A share as a percentage that never rounds a real cost to "0%": 0.4% stays 0.4%."""
    if share <= 0:
        return "0%"
    return f"{share * 100:.1f}%" if share < 0.1 else f"{share * 100:.0f}%"


def device_line(devices: dict[str, Any] | None) -> Text | None:
    """Time per device and host<->GPU copies per pass, when the trace saw a GPU or a copy (else None)."""
    by_device = (devices or {}).get("by_device_s") or {}
    copies = (devices or {}).get("copies_s") or {}
    if len(by_device) < 2 and not copies and not any("GPU" in d for d in by_device):
        return None  # one CPU: the total above says it all
    text = Text("devices: ", style="dim", no_wrap=True, overflow="ellipsis")
    text.append("  ".join(f"{device} {fmt_seconds(s)}" for device, s in by_device.items()))
    if copies:
        text.append(f"  copies {fmt_seconds(sum(copies.values()))}", style="bold yellow")
        text.append(
            " (" + ", ".join(f"{kind} {fmt_seconds(s)}" for kind, s in copies.items()) + ")", style="dim"
        )
    return text


def shares(by: dict[str, float] | None) -> dict[str, float]:
    """Fractions of the total for each key (empty when nothing was traced)."""
    total = sum((by or {}).values())
    return {k: v / total for k, v in (by or {}).items()} if total > 0 else {}


class OpsPanel(LiveText):
    """A bar per op class for the variant traced last, with the other variant's share for comparison."""

    def on_mount(self) -> None:
        self.border_title = "Per-op time"
        self.show_ops({}, None)

    _shown: tuple[Any, ...] | None = None

    def show_ops(self, ops_by_variant: dict[str, dict[str, Any]], current: str | None) -> None:
        """`ops_by_variant` maps a variant to its latest ops event; `current` is the one to draw bars for."""
        key = (tuple((v, id(o)) for v, o in ops_by_variant.items()), current, self.size.width)
        if key == self._shown:
            return  # same events, same width: nothing to redraw
        self._shown = key
        if not ops_by_variant:
            self.show(
                Text("waiting for the per-op trace (a traced pass each second while timing)", style="dim")
            )
            return
        current = current if current in ops_by_variant else list(ops_by_variant)[-1]
        ops = ops_by_variant[current]
        if ops.get("by_class") is None:  # a runtime with no per-op timing (TFLite): say why, draw no bars
            self.show(Text(f"{current}: {ops.get('reason') or 'no per-op time'}", style="dim"))
            return
        others = {v: shares(o.get("by_class")) for v, o in ops_by_variant.items() if v != current}
        mine = shares(ops.get("by_class"))
        other = next(iter(others.values()), None)
        width = max(4, self.size.width - 26)
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(justify="right", no_wrap=True, style="dim")  # the other variant's share
        for cls, label in OP_CLASS_LABELS.items():
            share = mine.get(cls, 0.0)
            if not share and not (other or {}).get(cls) and cls not in ALWAYS_SHOWN:
                continue  # classes this model never uses would push the used ones out of a small panel
            flagged = cls in ALWAYS_SHOWN and share > 0
            table.add_row(
                Text(f"{cls} {label}", style="bold yellow" if flagged else "bold"),
                Text(
                    ("█" * max(1, round(share * width)) if share else "").ljust(width),
                    style="yellow" if flagged else "cyan",
                ),
                Text(fmt_share(share), style="bold yellow" if flagged else ""),
                "" if other is None else fmt_share(other.get(cls, 0.0)),
            )
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"{current}", style="bold")
        title.append(
            f" {fmt_seconds(ops.get('total_s'))} over {ops.get('passes', '?')} pass(es)", style="dim"
        )
        if others:
            title.append(f"; last column: {next(iter(others))}", style="dim")
        top = sorted((ops.get("by_type") or {}).items(), key=lambda kv: kv[1], reverse=True)[:TOP_TYPES]
        tops = Text("top: ", style="dim", no_wrap=True, overflow="ellipsis")
        for i, (op, seconds) in enumerate(top):
            tops.append(("  " if i else "") + f"{op} {fmt_seconds(seconds)}")
        devices = device_line(ops.get("devices"))
        self.show(Group(title, tops, *([devices] if devices else []), table))
