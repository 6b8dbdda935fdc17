"""Live telemetry panels (power, load, memory); each reads a sampler snapshot and says why when a sensor is absent.

Panels are redrawn by the run screen's timer, never per sample, so a 1 kHz power source costs the UI nothing extra.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline

from core.report.energy_text import fmt_ms
from core.telemetry.detect import GPU_PREFERENCE, POWER_PREFERENCE
from core.telemetry.rate import achieved_rate_hz
from tui.view.format import fmt_bytes
from tui.widgets.livetext import LiveText
from tui.widgets.plots import TimePlot, find_series, rail_keys, set_sparkline

# The candidates each panel lists when none works: the session's own preference lists (one home).
POWER_SOURCES = POWER_PREFERENCE
GPU_SOURCES = GPU_PREFERENCE


def absent_lines(statuses: list[Any] | None, names: tuple[str, ...], what: str) -> Text:
    """`no <what> sensor on this machine`, then one line per candidate source with why its probe failed."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"no {what} sensor on this machine", style="bold yellow")
    for status in statuses or []:
        if status.name in names and not status.available:
            text.append(f"\n✗ {status.name}: ", style="bold")
            text.append(str(status.reason), style="dim")
    if statuses is None:
        text.append("\nsensors not probed yet", style="dim")
    return text


def absent_short(statuses: list[Any] | None, names: tuple[str, ...], what: str) -> str:
    """One line: which candidate sources were tried (the setup screen and `tocompress sensors` say why)."""
    tried = [s.name for s in statuses or [] if s.name in names and not s.available]
    return f"no {what} sensor ({', '.join(tried)} unavailable)" if tried else f"no {what} sensor"


def _bar(fraction: float | None, width: int) -> str:
    """A horizontal bar of eighths, `width` cells wide."""
    if fraction is None or width <= 0:
        return " " * max(width, 0)
    cells = max(0.0, min(1.0, fraction)) * width
    full = int(cells)
    rest = "▏▎▍▌▋▊▉"[int((cells - full) * 7)] if full < width and cells - full >= 1 / 7 else ""
    return ("█" * full + rest).ljust(width)


def power_subtitle(source: str, achieved_hz: float | None, context: Any) -> str:
    """`tegra-power 4.7 Hz · sensor 422 ms · uncalibrated`: the rate in use, the sensor's own refresh, and
    whether the figure is calibrated against an external meter (a replay knows the achieved rate only)."""
    rate = getattr(context, "rate_hz", None) or achieved_hz
    parts = [
        f"{source} {rate:.0f} Hz" if rate and rate >= 10 else f"{source} {rate:.1f} Hz" if rate else source
    ]
    if context is not None:
        refresh = context.update_interval_ms
        parts.append(f"sensor {fmt_ms(refresh)}" if refresh else "sensor refresh unknown")
        parts.append("calibrated" if context.calibration is not None else "uncalibrated")
    return " · ".join(parts)


class PowerPanel(Vertical):
    """Total board power over time with now/mean/peak and the idle line; the per-rail breakdown underneath."""

    def compose(self) -> ComposeResult:
        yield LiveText(id="power-stats", classes="panel-stats")
        yield TimePlot(id="power-plot")
        yield LiveText(id="power-rails", classes="panel-stats")

    def on_mount(self) -> None:
        self.border_title = "Power"

    def update_from(
        self,
        snapshot: dict[str, Any] | None,
        t0: float,
        idle_w: float | None,
        reason: Text,
        plots: bool = True,
        context: Any = None,
    ) -> None:
        """Numbers from the snapshot; the plot too unless `plots` is False (quiet while timing).

        `context` (core.telemetry.power_block.PowerContext, None in a replay) adds the sensor's refresh, the rate
        in use and whether the figure is calibrated.
        """
        series = find_series(snapshot, "power_mw")
        stats = self.query_one("#power-stats", LiveText)
        self.set_class(series is None, "-absent")
        if series is None:
            self.border_title, self.border_subtitle = "Power", ""
            stats.show(reason)
            self.query_one("#power-rails", LiveText).show("")
            return
        watts = series.y / 1000.0
        rate = achieved_rate_hz(series.t)
        self.border_title = f"Power  now {watts[-1]:.2f} W"
        self.border_subtitle = power_subtitle(series.source, rate, context)
        text = Text()
        text.append(f"mean {watts.mean():.2f}  peak {watts.max():.2f}  ")
        text.append(f"idle {idle_w:.2f} W" if idle_w is not None else "idle —", style="green")
        stats.show(text)
        hlines = [(idle_w, "green")] if idle_w is not None else []
        if plots:
            self.query_one("#power-plot", TimePlot).draw([(series.t, watts, "W", "cyan")], t0, hlines)
        readings = []
        for source, key in rail_keys(snapshot):
            value = snapshot[source].latest(key) if snapshot else None
            if value is not None:
                readings.append((value, key[len("rail_") : -len("_power_mw")]))
        rails = Text()
        for value, name in sorted(readings, reverse=True):  # biggest consumers first: they fit a narrow panel
            rails.append(name, style="bold")
            rails.append(f" {value / 1000:.2f} W  ")
        self.query_one("#power-rails", LiveText).show(rails or Text("no per-rail readings", style="dim"))


class LoadPanel(Vertical):
    """GPU utilization over time (and CPU load, which every machine has, so the panel is never blank)."""

    def compose(self) -> ComposeResult:
        yield LiveText(id="load-stats", classes="panel-stats")
        yield TimePlot(id="load-plot")

    def on_mount(self) -> None:
        self.border_title = "GPU / CPU load"

    def update_from(
        self, snapshot: dict[str, Any] | None, t0: float, gpu_reason: str, plots: bool = True
    ) -> None:
        """Numbers from the snapshot; the plot too unless `plots` is False (quiet while timing)."""
        gpu = find_series(snapshot, "gpu_load_pct")
        cpu = find_series(snapshot, "cpu_load_pct")
        text = Text(no_wrap=True, overflow="ellipsis")
        if gpu is not None:
            text.append(f"GPU {gpu.y[-1]:.0f}%", style="bold magenta")
            text.append(f" ({gpu.source})  ", style="dim")
        else:
            text.append(gpu_reason + "  ", style="yellow")
        if cpu is not None:
            text.append(f"CPU {cpu.y[-1]:.0f}%", style="bold cyan")
        self.query_one("#load-stats", LiveText).show(text)
        lines = [
            (s.t, s.y, label, color)
            for s, label, color in ((gpu, "GPU", "magenta"), (cpu, "CPU", "cyan"))
            if s
        ]
        self.set_class(not lines, "-absent")
        if lines and plots:
            self.query_one("#load-plot", TimePlot).draw(lines, t0, ylim=(0, 100))


class MemoryPanel(Vertical):
    """The worker's RSS against system RAM, GPU memory where reported, and the RSS trend."""

    def compose(self) -> ComposeResult:
        yield LiveText(id="memory-bars")
        yield Sparkline([], id="rss-trend")

    def on_mount(self) -> None:
        self.border_title = "Memory"
        self.border_subtitle = "worker RSS over time"

    def update_from(self, snapshot: dict[str, Any] | None, gpu_reason: str, plots: bool = True) -> None:
        """Bars from the snapshot; the RSS trend too unless `plots` is False (quiet while timing)."""
        rss = find_series(snapshot, "rss_bytes")
        used = find_series(snapshot, "ram_used_bytes")
        total = find_series(snapshot, "ram_total_bytes")
        gpu_used = find_series(snapshot, "gpu_mem_used_bytes")
        gpu_total = find_series(snapshot, "gpu_mem_total_bytes")
        total_b = float(total.y[-1]) if total else None
        width = max(3, self.size.width - 11 - 22)  # label, then room for `350.1 MiB / 23.5 GiB`
        text = Text(no_wrap=True, overflow="ellipsis")
        self._bar_line(text, "worker RSS", rss.y[-1] if rss else None, total_b, width, "no worker yet")
        text.append("\n")
        self._bar_line(text, "system RAM", used.y[-1] if used else None, total_b, width, "not reported")
        text.append("\n")
        if gpu_used is not None:
            gtotal = float(gpu_total.y[-1]) if gpu_total else None
            self._bar_line(text, "GPU memory", gpu_used.y[-1], gtotal, width, "")
        else:
            text.append("GPU memory ", style="bold")
            text.append("not reported: " + gpu_reason, style="dim")
        self.query_one("#memory-bars", LiveText).show(text)
        if plots:
            set_sparkline(
                self.query_one("#rss-trend", Sparkline), [] if rss is None else rss.y[-120:].tolist()
            )

    @staticmethod
    def _bar_line(
        text: Text, label: str, value: float | None, total: float | None, width: int, missing: str
    ) -> None:
        text.append(f"{label:<11}", style="bold")
        if value is None:
            text.append(missing, style="dim")
            return
        fraction = value / total if total else None
        text.append(_bar(fraction, width), style="cyan")
        text.append(f" {fmt_bytes(value)}")
        if total:
            text.append(f" / {fmt_bytes(total)}", style="dim")
