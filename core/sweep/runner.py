"""Run a sweep: per model the baseline once, then each setting (or a bisection search), every point in fresh
worker processes through core.run.session.Session, each result appended to the sweep file as soon as it exists.

Points already in the file (same model, setting, options and dataset) are skipped, so a sweep started again after
a kill goes on where it stopped; a point cut mid-way left no line and is measured again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from core.report.comparison import baseline_run
from core.report.result_file import make_result_file
from core.runspec import RunOptions
from core.spec import CompressionSpec
from core.sweep.points import accuracy_drop_points, point_of, point_run
from core.sweep.recommend import LIMIT_EPS
from core.sweep.search import SearchResult, search
from core.sweep.store import SweepStore, point_key

BASELINE = CompressionSpec()


@dataclass
class SweepPlan:
    """What to sweep and how; `session` holds SessionConfig keywords shared by every point (workdir, sysfs...)."""

    models: list[str]
    settings: list[CompressionSpec]
    options: RunOptions = field(default_factory=RunOptions)
    dataset: str | None = None
    session: dict[str, Any] = field(default_factory=dict)
    search_max_drop_points: float | None = None  # set: bisect families against this accuracy limit
    weights: str | None = None  # "random" or "pretrained"; None: the model's own (SessionConfig.weights)

    @property
    def grid_size(self) -> int:
        return len(self.models) * (1 + len(self.settings))

    def key(self, model: str, spec: CompressionSpec) -> str:
        return point_key(model, str(spec), self.options, self.dataset, self.weights)


@dataclass
class SweepProgress:
    """Where the sweep stands, for a status line: counts, the point at work, and the estimated time left."""

    done: int  # points in the file (measured now or before)
    total: int  # grid points (an upper bound with --search)
    measured_now: int
    skipped: int
    current: str | None
    eta_s: float | None  # None until one point has been measured in this process
    message: str | None = None


@dataclass
class SweepSummary:
    measured: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: bool = False
    searches: dict[str, SearchResult] = field(default_factory=dict)


SessionFactory = Callable[..., Any]


def _default_session(config: Any, on_event: Callable[[dict[str, Any]], None]) -> Any:
    from core.run.session import Session

    return Session(config, on_event=on_event)


class SweepRunner:
    """Runs a plan into a SweepStore; `run()` blocks, `cancel()` may be called from any thread."""

    def __init__(
        self,
        plan: SweepPlan,
        store: SweepStore,
        on_progress: Callable[[SweepProgress], None] | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        session_factory: SessionFactory = _default_session,
    ) -> None:
        self.plan, self.store = plan, store
        self._on_progress = on_progress or (lambda p: None)
        self._on_event = on_event or (lambda e: None)
        self._factory = session_factory
        self._cancel = threading.Event()
        self._session: Any = None
        self._durations: list[float] = []
        self.summary = SweepSummary()
        self._plan_keys = {plan.key(m, s) for m in plan.models for s in [BASELINE, *plan.settings]}

    def cancel(self) -> None:
        self._cancel.set()
        session = self._session
        if session is not None:
            session.cancel()

    def run(self) -> SweepSummary:
        plan = self.plan
        for model in plan.models:
            base = self._point(model, BASELINE)
            if base is None:
                break
            if plan.search_max_drop_points is None:
                for spec in plan.settings:
                    if self._point(model, spec) is None:
                        break
            else:
                self.summary.searches[model] = search(plan.settings, self._within(model, base))
            if self._cancel.is_set():
                break
        self._progress(None, "sweep cancelled" if self.summary.cancelled else "sweep finished", final=True)
        return self.summary

    def _within(self, model: str, base: dict[str, Any]) -> Callable[[CompressionSpec], bool]:
        """The search's probe: measure the setting (or read it back) and say if its accuracy drop is in bounds."""
        limit = self.plan.search_max_drop_points
        base_point = point_of(base, -1)

        def within(spec: CompressionSpec) -> bool:
            record = self._point(model, spec)
            if record is None:  # cancelled: stop the bisection moving
                return False
            point = point_of(record, -1)
            if point is None or base_point is None or limit is None:
                return False
            kind = "top1" if base_point.top1 is not None else "fidelity"
            drop = accuracy_drop_points(point, base_point, kind)
            return drop is not None and drop <= limit + LIMIT_EPS

        return within

    def _point(self, model: str, spec: CompressionSpec) -> dict[str, Any] | None:
        """The point's line: read back when the file has it, else measured and appended; None when cancelled."""
        if self._cancel.is_set():
            self.summary.cancelled = True
            return None
        key = self.plan.key(model, spec)
        found = self.store.find(key)
        if found is not None:
            self.summary.skipped += 1
            self._progress(f"{model} {spec}", f"{model} {spec}: already in the file, skipped")
            return found
        self._progress(f"{model} {spec}", f"{model} {spec}: measuring")
        started = time.monotonic()
        result = self._measure(model, spec)
        if result.get("status") == "cancelled" or self._cancel.is_set():
            self.summary.cancelled = True
            return None
        record = self._line(model, spec, key, result)
        self.store.append(record)
        self._durations.append(time.monotonic() - started)
        self.summary.measured += 1
        if record.get("status") == "failed":
            self.summary.failed += 1
        self._progress(None, f"{model} {spec}: {record.get('status')}")
        return record

    def _measure(self, model: str, spec: CompressionSpec) -> dict[str, Any]:
        from core.run.session import SessionConfig

        plan = self.plan
        config = SessionConfig(
            model=model,
            compression=spec,
            options=RunOptions(**asdict(plan.options)),
            # paired: a baseline interleaved with every point (drift cancels); --no-paired: the baseline point's
            include_baseline=plan.options.paired,
            dataset=plan.dataset,
            **plan.session,
        )
        if plan.weights is not None:
            config.weights = plan.weights
        self._session = self._factory(config, self._on_event)
        try:
            return dict(self._session.run())
        finally:
            self._session = None

    def _line(self, model: str, spec: CompressionSpec, key: str, result: dict[str, Any]) -> dict[str, Any]:
        """The point's line in the sweep file (sweep_line); a fleet's runner adds its board."""
        return sweep_line(self.plan, self.store, model, spec, key, result)

    def _progress(self, current: str | None, message: str, final: bool = False) -> None:
        done = len(self._plan_keys & self.store.done_keys())
        total = self.plan.grid_size
        eta = None
        if self._durations and not final:
            mean = sum(self._durations) / len(self._durations)
            eta = mean * max(total - done - (1 if current else 0), 0) + (mean if current else 0)
        self._on_progress(
            SweepProgress(done, total, self.summary.measured, self.summary.skipped, current, eta, message)
        )


def sweep_line(
    plan: SweepPlan, store: SweepStore, model: str, spec: CompressionSpec, key: str, result: dict[str, Any]
) -> dict[str, Any]:
    """A complete result as `run` writes it; a point's also carries a baseline run, so the line alone has the
    comparison and the verdict: its own paired one, or (a session without one) its model's baseline point's.
    The `sweep` block names that baseline point in `baseline_key`."""
    sweep: dict[str, Any] = {
        "key": key,
        "model": model,
        "setting": str(spec),
        "dataset": plan.dataset,
        "options": asdict(plan.options),
        "role": "baseline" if spec.is_baseline else "point",
        "weights": plan.weights,
    }
    if any(r.get("status") == "failed" for r in result.get("runs") or []):
        # its own variant failed (killed for memory, say): no point
        result = {**result, "status": "failed"}
    if not spec.is_baseline:
        base_key = plan.key(model, BASELINE)
        base_record = store.find(base_key)
        base = point_run(base_record) if base_record else None
        own = [r for r in result.get("runs") or [] if baseline_run({"runs": [r]}) is None]
        if base is not None and baseline_run(result) is not None:  # paired with its own baseline run
            sweep["baseline_key"] = base_key
        elif base is not None and own:
            created = result.get("created")
            result = make_result_file(
                model, result.get("environment") or {}, [base, *own], result["status"], result["errors"]
            )
            result["created"] = created or result["created"]
            sweep["baseline_key"] = base_key
    return {**result, "sweep": sweep}
