"""The worker process running now, the run's cancel flag and its listener: what every worker stage shares.

The session's variant stages (core.run.variant_stages) and its paired stage (core.run.paired_stage) each start
worker processes one at a time; this holds the one running, so `cancel()` from any thread reaches it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from core.run.pinning import Placement
from core.run.worker_client import WorkerClient
from core.telemetry.rig import TelemetryRig

OnEvent = Callable[[dict[str, Any]], None]


class WorkerHost:
    """Holds the running worker for cancellation; `drive()` reads one worker to its end, Ctrl-C cancelling the run."""

    def __init__(self, rig: TelemetryRig, placement: Placement, emit: OnEvent) -> None:
        self.rig = rig
        self.placement = placement
        self.emit = emit
        self.cancel_event = threading.Event()
        self.client: WorkerClient | None = None
        self.interrupted = False  # Ctrl-C in a terminal run

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        """Stop the run: the worker is terminated (killed if it does not exit within 3 s)."""
        self.cancel_event.set()
        client = self.client
        if client is not None:
            client.terminate()

    def interrupt(self) -> None:
        """Ctrl-C: cancel the run and remember why (the result says so)."""
        self.interrupted = True
        self.cancel()

    def attach(self, client: WorkerClient, *, pin: bool) -> None:
        """A worker just started: it is the one `cancel()` stops, on the worker's cores when `pin`."""
        self.client = client
        if pin:
            self.placement.pin_worker(client.pid)

    def drive(self, client: WorkerClient, on_event: OnEvent) -> int:
        """Pass each of the worker's events to `on_event` until it exits; returns its exit status."""
        try:
            for event in client.events():
                on_event(event)
        except KeyboardInterrupt:  # Ctrl-C in a terminal run: stop the worker, keep what it reported
            self.interrupt()
        finally:
            code = client.wait()
            self.client = None
            self.rig.set_worker_pid(None)
        return code


__all__ = ["OnEvent", "WorkerHost"]
