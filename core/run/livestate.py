"""The state of a run as its events arrive: per variant the worker, phase, timing progress, and what was measured.

Worker and session events are folded into state here and nowhere else: the recorder (core.run.record), the
dashboard's run screen and the CLI's progress line all read this state, so a new event type is taught once.
Unknown event types are ignored, as the protocol (core.worker.protocol) says.
"""

from __future__ import annotations

from typing import Any

Window = tuple[float, float, int]
_ENVELOPE = ("v", "type", "variant")


def body(event: dict[str, Any]) -> dict[str, Any]:
    """An event without its envelope (protocol version, type, variant): the fields the state keeps."""
    return {k: v for k, v in event.items() if k not in _ENVELOPE}


class VariantState:
    """What is known so far about one variant (baseline or a compressed setting), across its worker processes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.worker = "waiting"  # waiting | starting | running | exited
        self.stage: str | None = None  # the worker stage in progress: "compress" or "run" (None: both in one)
        self.pid: int | None = None
        self.returncode: int | None = None
        self.hello: dict[str, Any] = {}
        self.phase: str | None = None
        self.phases: dict[str, dict[str, Any]] = {}  # phase name -> its event's fields (t, rss_bytes)
        self.progress: dict[str, Any] | None = None  # the last timing-progress event
        self.ci_history: list[float] = []
        self.model: dict[str, Any] | None = None
        self.windows: list[Window] = []
        self.latency: dict[str, Any] | None = None
        self.ops: dict[str, Any] | None = None  # the last (most complete) per-op profile
        self.eval: dict[str, Any] | None = None
        self.errors: list[str] = []
        self.warnings: list[str] = []
        # The worker's own "result" event (a replay has it without the session's "run").
        self.result_status: str | None = None
        self.run: dict[str, Any] | None = None  # the session's RunResult block once the variant is over
        # The paired ratio against the baseline as it forms (the last "pair" event: pairs, ratio, ratio_ci95).
        self.pair: dict[str, Any] | None = None

    @property
    def iteration(self) -> int | None:
        return None if self.progress is None else self.progress.get("iter")

    @property
    def mean_s(self) -> float | None:
        """Mean latency so far: the final figure once timing ended, else the last progress report's."""
        source = self.latency or self.progress
        return None if source is None else source.get("mean_s")

    @property
    def ci95_halfwidth_pct(self) -> float | None:
        source = self.latency or self.progress
        return None if source is None else source.get("ci95_halfwidth_pct")

    @property
    def converged(self) -> bool | None:
        """None while timing runs; then whether the CI met its target within the caps."""
        return None if self.latency is None else bool(self.latency.get("converged"))

    @property
    def paired_latency(self) -> dict[str, Any] | None:
        """The final paired latency figures once the session filed them (`run["paired"]["latency"]`), else None."""
        block = ((self.run or {}).get("paired") or {}).get("latency")
        return block if isinstance(block, dict) and block.get("ratio") is not None else None

    @property
    def done(self) -> bool:
        """Over: the session filed its block, or the measuring worker said it finished (a compress stage's
        own result only means the artifact exists)."""
        return self.run is not None or (self.result_status is not None and self.stage != "compress")

    @property
    def status(self) -> str | None:
        return self.run.get("status") if self.run is not None else self.result_status

    def new_process(self) -> None:
        """A new worker process for this variant (the next stage, or the next --repeat): running, not done."""
        self.run = None
        self.result_status = None
        self.phases.pop("done", None)

    def apply(self, event: dict[str, Any]) -> None:
        """Fold one event about this variant into the state."""
        kind = event.get("type")
        fields = body(event)
        if kind == "hello":
            self.new_process()
            self.hello = fields
            self.worker, self.pid = "running", event.get("pid")
            self.stage = event.get("stage", self.stage)
        elif kind == "phase":
            self.phase = event.get("name")
            self.phases[str(self.phase)] = fields
        elif kind == "progress":
            self.progress = fields
            if event.get("ci95_halfwidth_pct") is not None:
                self.ci_history.append(float(event["ci95_halfwidth_pct"]))
        elif kind == "model":
            self.model = fields
        elif kind == "window":
            self.windows.append((float(event["t0"]), float(event["t1"]), int(event.get("n", 0))))
        elif kind == "latency":
            self.latency = fields
        elif kind == "ops":
            self.ops = fields
        elif kind == "eval":
            self.eval = fields
        elif kind == "pair":
            self.pair = fields
        elif kind == "log" and event.get("level") in ("warning", "error"):
            self.warnings.append(str(event.get("message")))
        elif kind == "error":
            self.errors.append(str(event.get("message")))
        elif kind == "result":
            self.result_status = str(event.get("status", "complete"))
        elif kind == "run":
            self.run = event.get("run") or {}
        elif kind == "session" and event.get("state") == "worker-start":
            self.new_process()
            self.worker, self.stage, self.pid, self.returncode = "starting", event.get("stage"), None, None
        elif kind == "session" and event.get("state") == "worker-exit":
            self.worker, self.pid, self.returncode = "exited", None, event.get("returncode")


class LiveState:
    """The whole run: one VariantState per variant, which one is current, the session's state and idle power."""

    def __init__(self, variant_names: list[str]) -> None:
        self.variant_names = list(variant_names)
        self.variants: dict[str, VariantState] = {name: VariantState(name) for name in self.variant_names}
        self.current: str | None = None
        self.session_state: str | None = None
        self.idle_power_w: float | None = None

    def variant(self, name: str | None) -> VariantState:
        """The named variant's state (made on first mention), or the current one when the event names none."""
        key = name or self.current or (self.variant_names[0] if self.variant_names else "?")
        if key not in self.variants:
            self.variants[key] = VariantState(key)
        return self.variants[key]

    def apply(self, event: dict[str, Any]) -> VariantState | None:
        """Fold one worker or session event in; returns the variant it concerned (None: the session's own)."""
        kind = event.get("type")
        name = event.get("variant")
        if kind == "session":
            self.session_state = event.get("state")
            if event.get("state") == "idle-done":
                self.idle_power_w = event.get("idle_power_w")
            if name is None:
                return None
        elif kind == "log" and name is None:
            return None  # a session-wide note (a sensor's reason): no variant's warning
        if kind == "phase":
            self.current = name or self.current
        variant = self.variant(name)
        variant.apply(event)
        return variant


__all__ = ["LiveState", "VariantState", "body"]
