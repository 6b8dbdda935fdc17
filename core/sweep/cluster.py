# Over 300 lines: the fleet client (board runners, their threads, the one writer of the sweep file).
"""A sweep over a fleet of boards (Dask `distributed`): the client side. Points go to the workers of each board
kind (resource `board-KIND`, one per board, so one measurement per board at a time); results come back here, and
this process stays the only writer of the sweep file, so resume, the lock and torn lines work as on one machine.

The sweep logic is core.sweep.runner's: one SweepRunner per board kind (per board, when a kind has several) whose
"session" is a Dask future of core.sweep.board.run_point. A point's key names its board kind, so the file holds
each (model, setting, board) once. Dask reruns a point whose worker died (`distributed.scheduler.allowed-failures`)
on another board of its kind or on the same board once its nanny has restarted the worker. Task keys are derived
from point keys: a client started again after a kill asks for the same keys, so a point still running on a board
is picked up where it is (the worker resumes the cancelled task), and one that finished meanwhile comes back from
the board's spool (core.sweep.board) instead of being measured again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.report.result_file import make_result_file
from core.spec import CompressionSpec
from core.sweep.board import QUIET_DASK_CONFIG, RESOURCE_PREFIX, forget_spooled, run_point
from core.sweep.runner import BASELINE, SweepPlan, SweepProgress, SweepRunner, SweepSummary
from core.sweep.store import SweepStore, point_key

LOCAL_HOST = "127.0.0.1"


class ClusterError(UserError, ValueError):
    """The cluster cannot be reached or has no board of a requested kind; the message says what to do."""


@dataclass(frozen=True)
class LocalBoard:
    """One worker of a `local:N` cluster: its name, board kind and sysfs root (a board tree, or /sys)."""

    name: str
    kind: str
    sysfs_root: str


def local_boards(
    n: int, kinds: list[str] | None, roots: dict[str, str], default_root: str
) -> list[LocalBoard]:
    """N local workers; kinds are dealt out in turn (default: all of kind "local"); roots by kind."""
    kinds = kinds or ["local"]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        out.append(LocalBoard(f"{kind}-{i}", kind, roots.get(kind, default_root)))
    return out


def parse_cluster(text: str) -> tuple[str | None, int | None]:
    """`tcp://HOST:PORT` -> (address, None); `local:N` -> (None, N); anything else is a one-line error."""
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--cluster {text}: use local:N with N >= 1 worker processes, e.g. local:2")
        return None, int(count)
    if "://" not in text or not text.split("://", 1)[1]:
        raise ClusterError(f"--cluster {text}: give the scheduler as tcp://HOST:8786, or local:N")
    return text, None


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


@contextlib.contextmanager
def connect(
    address: str | None, boards: list[LocalBoard], fleet_root: Path, timeout_s: float = 30.0
) -> Iterator[Any]:
    """A Dask client: to the scheduler at `address`, or to a cluster of `boards` started here on loopback (each
    a nanny-watched worker process with its board resource, sysfs root and fleet folder, quietly configured);
    everything started here is shut down on the way out."""
    from distributed import Client, Nanny, Scheduler, SpecCluster

    if address is not None:
        try:
            client = Client(address, timeout=timeout_s, set_as_default=False)
        except OSError as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} ({exc}); start it with `dask scheduler` there, "
                "or check the address"
            ) from None
        with client:
            yield client
        return
    import dask

    config = dask.config.merge(dask.config.config, _nested(QUIET_DASK_CONFIG))  # Nanny's merge is shallow
    workers = {
        b.name: {
            "cls": Nanny,
            "options": {
                "name": b.name,
                "nthreads": 1,
                "resources": {RESOURCE_PREFIX + b.kind: 1},
                "host": LOCAL_HOST,
                "dashboard": False,
                "silence_logs": logging.ERROR,
                "config": config,
                "env": {
                    "TOCOMPRESS_SYSFS_ROOT": b.sysfs_root,
                    "TOCOMPRESS_FLEET_DIR": str(fleet_root / b.name),
                },
            },
        }
        for b in boards
    }
    scheduler = {"cls": Scheduler, "options": {"host": LOCAL_HOST, "dashboard": False}}
    cluster = SpecCluster(workers=workers, scheduler=scheduler, silence_logs=logging.ERROR, name="tocompress")
    try:
        with Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(len(boards), timeout=timeout_s * 4)
            yield client
    finally:
        cluster.close(timeout=30)


def board_kinds(client: Any) -> dict[str, list[str]]:
    """Board kind -> names of the workers that have its resource, as the scheduler sees them now."""
    kinds: dict[str, list[str]] = {}
    for info in client.scheduler_info(n_workers=-1)["workers"].values():
        for resource in info.get("resources") or {}:
            if resource.startswith(RESOURCE_PREFIX):
                kinds.setdefault(resource[len(RESOURCE_PREFIX) :], []).append(str(info.get("name")))
    return kinds


def choose_kinds(available: dict[str, list[str]], wanted: list[str] | None, where: str) -> list[str]:
    """The kinds to sweep: those asked for (each must be in the cluster), or every kind the cluster has."""
    if not available:
        raise ClusterError(
            f"no worker of {where} has a board resource; start each board's worker with "
            '`dask worker ADDRESS --nthreads 1 --resources "board-tx2=1"` (its kind after board-)'
        )
    if not wanted:
        return sorted(available)
    missing = [k for k in wanted if k not in available]
    if missing:
        raise ClusterError(
            f"--boards {','.join(wanted)}: no worker of {where} is a {', '.join(missing)} board "
            f"(the cluster has {', '.join(sorted(available))})"
        )
    return list(dict.fromkeys(wanted))


@dataclass
class BoardPlan(SweepPlan):
    """A sweep plan on one board kind: its point keys name the board, so each board has its own points."""

    board: str = ""

    def key(self, model: str, spec: CompressionSpec) -> str:
        return point_key(model, str(spec), self.options, self.dataset, self.weights, board=self.board)


def dask_key(key: str) -> str:
    """The Dask task key of a sweep point: the same point gets the same key in every client process."""
    return "tocompress-point-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def point_request(plan: BoardPlan, model: str, spec: CompressionSpec) -> dict[str, Any]:
    """What a board needs to measure a point (its own paths, sensors and Pythons are the board's)."""
    return {
        "key": plan.key(model, spec),
        "model": model,
        "setting": str(spec),
        "options": asdict(plan.options),
        "dataset": plan.dataset,
        "weights": plan.weights,
        "sources": plan.session.get("sources"),
    }


class _SharedStore:
    """The one store, written from several board threads: appends are serialized, a key is written once, and
    each written point's spool entry is dropped on its board."""

    def __init__(self, store: SweepStore, on_written: Callable[[dict[str, Any]], None]) -> None:
        self._store, self._on_written, self._lock = store, on_written, threading.Lock()

    def find(self, key: str) -> dict[str, Any] | None:
        return self._store.find(key)

    def done_keys(self) -> set[str]:
        return self._store.done_keys()

    def append(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self._store.find(record["sweep"]["key"]) is not None:
                return  # already there: never two lines for one point
            self._store.append(record)
        self._on_written(record)


class _RemotePoint:
    """The running point, as SweepRunner sees a session: `cancel()` gives up waiting for it."""

    def __init__(self, future: Any) -> None:
        self.future = future

    def cancel(self) -> None:
        self.future.cancel()


class BoardSweepRunner(SweepRunner):
    """SweepRunner whose points run on a Dask worker of the plan's board kind."""

    plan: BoardPlan

    def __init__(self, plan: BoardPlan, store: Any, client: Any, **kwargs: Any) -> None:
        super().__init__(plan, store, **kwargs)
        self.client = client

    def _measure(self, model: str, spec: CompressionSpec) -> dict[str, Any]:
        from distributed import CancelledError

        request = point_request(self.plan, model, spec)
        board = self.plan.board
        future = self.client.submit(
            run_point, request, key=dask_key(request["key"]), resources={RESOURCE_PREFIX + board: 1},
            pure=False, retries=1,
        )  # fmt: skip
        self._session = _RemotePoint(future)
        try:
            return dict(future.result())
        except CancelledError:
            return {"status": "cancelled"}
        except Exception as exc:  # the point failed on every try (KilledWorker, a crash): a failed line
            message = f"{model} {spec} on {board}: {type(exc).__name__}: {exc}"
            return make_result_file(model, {"fleet": {"board_kind": board}}, [], "failed", [message])
        finally:
            self._session = None

    def _line(self, model: str, spec: CompressionSpec, key: str, result: dict[str, Any]) -> dict[str, Any]:
        record = super()._line(model, spec, key, result)
        record["sweep"]["board"] = self.plan.board
        return record


@dataclass
class ClusterSummary(SweepSummary):
    per_board: dict[str, SweepSummary] = field(default_factory=dict)


class ClusterSweepRunner:
    """Runs a plan on every board kind at once: per kind the baselines first, then the settings shared out over
    the kind's boards (one thread each, waiting on Dask futures); `cancel()` may be called from any thread."""

    def __init__(
        self,
        plan: SweepPlan,
        store: SweepStore,
        client: Any,
        kinds: dict[str, int],
        on_progress: Callable[[SweepProgress], None] | None = None,
    ) -> None:
        self.plan, self.client, self.kinds = plan, client, kinds
        self.store = _SharedStore(store, self._forget_spooled)
        self._on_progress = on_progress or (lambda p: None)
        self._runners: list[BoardSweepRunner] = []
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._all_keys = {
            self._plan(k).key(m, s) for k in kinds for m in plan.models for s in [BASELINE, *plan.settings]
        }
        self._skipped = len(self._all_keys & store.done_keys())
        self._baselines_done = False

    def _plan(self, kind: str, settings: list[CompressionSpec] | None = None) -> BoardPlan:
        fields = {**{f: getattr(self.plan, f) for f in self.plan.__dataclass_fields__}, "board": kind}
        plan = BoardPlan(**fields)
        return plan if settings is None else replace(plan, settings=settings)

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            for runner in self._runners:
                runner.cancel()

    def run(self) -> ClusterSummary:
        summary = ClusterSummary()
        # Baselines first: a point's line carries its board's baseline run.
        self._in_threads([(k, self._plan(k, [])) for k in self.kinds], summary)
        self._baselines_done = True
        searching = self.plan.search_max_drop_points is not None
        shards: list[tuple[str, BoardPlan]] = []
        for kind, boards in self.kinds.items():
            n = 1 if searching else max(1, min(boards, len(self.plan.settings)))
            shards += [(kind, self._plan(kind, self.plan.settings[i::n])) for i in range(n)]
        if not self._cancelled.is_set():
            self._in_threads(shards, summary)
        summary.skipped = self._skipped
        summary.cancelled = summary.cancelled or self._cancelled.is_set()
        self._progress(None, "sweep cancelled" if summary.cancelled else "sweep finished")
        return summary

    def _in_threads(self, plans: list[tuple[str, BoardPlan]], summary: ClusterSummary) -> None:
        threads = []
        for kind, plan in plans:
            runner = BoardSweepRunner(
                plan, self.store, self.client, on_progress=lambda p, k=kind: self._sub_progress(k, p)
            )
            with self._lock:
                if self._cancelled.is_set():
                    break
                self._runners.append(runner)
            thread = threading.Thread(target=self._run_one, args=(kind, runner, summary), daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()

    def _run_one(self, kind: str, runner: BoardSweepRunner, summary: ClusterSummary) -> None:
        done = runner.run()
        with self._lock:
            board = summary.per_board.setdefault(kind, SweepSummary())
            for part in (summary, board):
                part.measured += done.measured
                part.failed += done.failed
                part.cancelled = part.cancelled or done.cancelled
            summary.searches.update({f"{m} on {kind}": s for m, s in done.searches.items()})

    def _sub_progress(self, kind: str, progress: SweepProgress) -> None:
        said = progress.message or ""
        if said.endswith("baseline: already in the file, skipped") and self._baselines_done:
            return  # the settings' runners read the baselines back: not news
        if said and said not in ("sweep finished", "sweep cancelled"):
            self._progress(
                progress.current and f"{progress.current} on {kind}", f"{kind}: {progress.message}"
            )

    def _progress(self, current: str | None, message: str) -> None:
        done = len(self._all_keys & self.store.done_keys())
        self._on_progress(SweepProgress(done, len(self._all_keys), 0, self._skipped, current, None, message))

    def _forget_spooled(self, record: dict[str, Any]) -> None:
        """The point is in the file: its board may drop the spooled copy (best effort; a gone worker keeps it)."""
        address = ((record.get("environment") or {}).get("fleet") or {}).get("worker_address")
        if address:
            with contextlib.suppress(Exception):
                self.client.run(forget_spooled, record["sweep"]["key"], workers=[address])
