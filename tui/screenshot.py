"""Screenshots of the dashboard as SVG (Textual's own `save_screenshot`), by key or at a point of a replay.

Files are named after the model, the setting and the screen (`digits-cnn-q8-run-20261204-101500.svg`) so a folder
of them reads like a storyboard. `--screenshot-at 20s` takes one at 20 s of recorded time (a replay's timeline,
so `--speed` makes it come sooner) or 20 s after start otherwise, then quits: documentation without a person.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

CHECK_PERIOD_S = 0.1


def at_seconds(text: str) -> float:
    """--screenshot-at: "20s", "20", "1.5m" or "90s" as seconds (argparse turns the error into one usage line)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m)?\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time; write 20s, 20 or 1.5m")
    return float(match.group(1)) * (60.0 if match.group(2) == "m" else 1.0)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_") or "x"


def screenshot_name(app: Any) -> str:
    """`<model>-<setting>-<screen>-<time>.svg` for what the app shows now."""
    live = getattr(app, "live", None)
    model, setting = (
        (live.model, live.variant_names[-1]) if live is not None else (app.model, app.compression)
    )
    screen = type(app.screen).__name__.removesuffix("Screen").lower() or "screen"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return f"{_slug(model)}-{_slug(setting)}-{_slug(screen)}-{stamp}.svg"


def save_svg(app: Any, directory: Path) -> Path:
    """Save the current screen as SVG under `directory`; in a browser (`tocompress serve`) also download it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = Path(app.save_screenshot(filename=screenshot_name(app), path=str(directory)))
    if getattr(app, "is_web", False):
        app.deliver_binary(path, save_filename=path.name, mime_type="image/svg+xml")
    return path


def recorded_elapsed_s(app: Any, started: float) -> float:
    """Seconds into the run: the replay's recorded time where there is one, else wall time since `started`."""
    timeline = getattr(app.session, "timeline", None)
    if timeline is not None and getattr(timeline, "_start", None) is not None:
        return float(timeline.now() - timeline.origin)
    return time.monotonic() - started


def start_screenshot_at(app: Any, at_s: float, directory: Path) -> None:
    """Check 10 times a second; at `at_s` (or when the run has ended, if sooner) save one SVG and quit."""
    started = time.monotonic()

    def check() -> None:
        live = app.live
        ended = live is not None and live.result is not None
        if recorded_elapsed_s(app, started) < at_s and not ended:
            return
        timer.stop()
        app.screenshot_written = save_svg(app, directory)
        app.exit(return_code=0)

    timer = app.set_interval(CHECK_PERIOD_S, check)


__all__ = ["at_seconds", "recorded_elapsed_s", "save_svg", "screenshot_name", "start_screenshot_at"]
