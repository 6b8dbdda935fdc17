"""The messages the run thread posts to the App (and the probe thread's one): small, and readable top to bottom.

High-rate timing progress collapses in the queue (`can_replace`), so a fast worker never floods the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class WorkerEvent(Message):
    """One worker or session event (phase, model, latency, ops, eval, log, error, session, run)."""

    event: dict[str, Any]


@dataclass
class ProgressTick(Message):
    """A timing-progress event; a newer one for the same variant replaces it while both wait in the queue."""

    event: dict[str, Any]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProgressTick) and message.event.get("variant") == self.event.get("variant")


@dataclass
class RunFinished(Message):
    """Session.run() returned its result file (complete, partial, cancelled or failed)."""

    result: dict[str, Any] | None


@dataclass
class RunCrashed(Message):
    """Session.run() raised; the message is one line."""

    message: str


@dataclass
class SensorsProbed(Message):
    """The start-up sensor probe's results, with their live sources (None: the probe failed; runs probe alone)."""

    statuses: list[Any] | None
