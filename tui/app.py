"""The Textual dashboard: setup -> live run -> results, with compare and help a key away.

Message flow, top to bottom:
  SetupScreen.RunRequested        -> App starts a Session in a thread worker (`_run_session`) and shows RunScreen
  Session on_event (run thread)   -> WorkerEvent / ProgressTick messages (ProgressTick collapses when queued)
  App @on handlers                -> fold events into LiveRun; RunScreen's timer redraws from it 4x a second
  RunFinished / RunCrashed        -> ResultsScreen (autosave with --save); `x` on RunScreen -> Session.cancel()
The App owns all state; the worker thread only calls the core and posts messages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App
from textual.binding import Binding

from core.runspec import RunOptions
from core.spec import CompressionSpec
from tui.messages import ProgressTick, RunCrashed, RunFinished, SensorsProbed, WorkerEvent
from tui.probes import ProbeHandoff, probe_sensors
from tui.screens.compare import CompareScreen
from tui.screens.dialogs import HelpScreen
from tui.screens.results import ResultsScreen
from tui.screens.run import DASHBOARD_MODES, LiveRun, RunScreen
from tui.screens.setup import SetupScreen
from tui.view.setupform import ModelRow, catalog_rows

ProbeFn = Callable[[str], list[Any]]


def model_rows(model_args: dict[str, Any] | None = None) -> list[ModelRow]:
    """Every registered model (and a user's file) with whether it can run here (no TensorFlow import)."""
    return catalog_rows(model_args)


class TocompressApp(App[None]):
    """To compress, or not to compress? Pick a model and a setting, watch it run, compare, save."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tocompress"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("f2", "screenshot_svg", "Screenshot", show=False, priority=True),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def __init__(
        self,
        *,
        model: str = "digits-cnn",
        compression: str = "q8",
        autorun: bool = False,
        save_path: str | Path | None = None,
        replay: str | Path | None = None,
        sysfs_root: str = "/sys",
        sources: list[str] | None = None,
        options: RunOptions | None = None,
        workdir: str | Path = Path("runs"),
        results_dir: str | Path = Path("results"),
        rows: list[ModelRow] | None = None,
        probe: ProbeFn = probe_sensors,
        replay_speed: float = 1.0,
        sweep_file: str | Path | None = None,
        sweep_plan: Any = None,
        dataset: str | None = None,
        worker_python: str | None = None,
        compress_python: str | None = None,
        quiet: bool = True,
        pin: bool | None = None,
        weights: str | None = None,
        model_args: dict[str, Any] | None = None,
        screenshot_dir: str | Path = Path("screenshots"),
        screenshot_at_s: float | None = None,
    ) -> None:
        super().__init__()
        self.screenshot_dir = Path(screenshot_dir)  # F2 and --screenshot-at write SVGs here (tui.screenshot)
        self.screenshot_at_s = screenshot_at_s
        self.screenshot_written: Path | None = None
        # --weights: "pretrained", "random", or None (pretrained where its file is here)
        self.weights = weights
        self.quiet = quiet  # quiet while timing (tui.screens.run): fewer redraws while the model is timed
        self.pin = pin  # CPU placement (core.run.pinning); None: by core count
        self.model = model
        self.compression = compression
        self.autorun = autorun
        self.save_path = Path(save_path) if save_path else None
        self.replay = Path(replay) if replay else None
        self.sysfs_root = sysfs_root
        self.sources = sources
        self.options = options or RunOptions()
        self.workdir = Path(workdir)
        self.results_dir = Path(results_dir)
        self.rows = rows if rows is not None else model_rows(model_args)
        self.probe = probe
        self.replay_speed = replay_speed
        self.sweep_file, self.sweep_plan = sweep_file, sweep_plan  # the sweep screen opens on them
        self.dataset = dataset
        self.worker_python = worker_python
        self.compress_python = compress_python
        self.probe_handoff = ProbeHandoff()
        self._autorun_pending = autorun
        self.session: Any = None
        self.live: LiveRun | None = None
        self.last_request: SetupScreen.RunRequested | None = None
        self.last_saved: Path | None = None
        self.run_failed = False
        self.measure_lock: Any = _NoLock()  # held from a measurement's start to its end (not for a replay)

    # --- start-up -----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        pythons = {"--compress-python": self.compress_python, "--worker-python": self.worker_python}
        self.push_screen(
            SetupScreen(self.rows, self.model, self.compression, self.options, self.dataset, pythons=pythons)
        )
        self._probe_sensors()
        if self.sweep_file is not None:
            from tui.screens.sweep import SweepScreen

            self.push_screen(SweepScreen(self.sweep_file, self.sweep_plan))
        if self.replay is not None:
            self._autorun_pending = False
            self._start(self.model, CompressionSpec.parse(self.compression), self.options, replay=self.replay)
        if self.screenshot_at_s is not None:
            from tui.screenshot import start_screenshot_at

            start_screenshot_at(self, self.screenshot_at_s, self.screenshot_dir)

    def _autorun(self) -> None:
        setup = self.screen
        if isinstance(setup, SetupScreen):
            setup.action_run()

    @work(thread=True, exclusive=True, exit_on_error=False, group="probe")
    def _probe_sensors(self) -> None:
        try:
            statuses = self.probe(self.sysfs_root)
        except Exception:
            statuses = None  # the session probes for itself; the setup screen keeps "not probed"
        self.post_message(SensorsProbed(statuses))

    @on(SensorsProbed)
    def _sensors_probed(self, message: SensorsProbed) -> None:
        """Show the sensors; keep their live sources for the first run (autorun waits for them)."""
        if message.statuses is not None:
            self.probe_handoff.arrived(message.statuses, run_started=self.session is not None)
            for screen in self.screen_stack:
                if isinstance(screen, SetupScreen):
                    screen.show_sensors(message.statuses)
                elif isinstance(screen, RunScreen) and screen.sensor_statuses is None:
                    screen.sensor_statuses = message.statuses
        if self._autorun_pending:
            self._autorun_pending = False
            self.call_after_refresh(self._autorun)

    @property
    def sensor_statuses(self) -> list[Any] | None:
        """What the start-up probe found (None until it is done)."""
        return self.probe_handoff.statuses

    # --- running ------------------------------------------------------------------------------------------

    @on(SetupScreen.RunRequested)
    def _run_requested(self, request: SetupScreen.RunRequested) -> None:
        self.last_request = request
        self._start(request.model, request.compression, request.options)

    def _start(
        self, model: str, compression: CompressionSpec, options: RunOptions, replay: Path | None = None
    ) -> None:
        """Build the session, show the live screen, and run the session in a thread worker."""
        from core.run.session import SessionConfig

        statuses = self.sensor_statuses
        config = SessionConfig(
            model=model,
            compression=compression,
            options=options,
            workdir=self.workdir,
            sysfs_root=self.sysfs_root,
            sources=self.sources,
            worker_python=self.worker_python,
            compress_python=self.compress_python,
            dataset=self.dataset,
            weights=self.weights,
            pin=self.pin,
            model_args=next((r.model_args for r in self.rows if r.info.name == model and r.model_args), None),
        )
        if replay is not None:
            try:
                self.session = _new_replay(replay, self._forward, self.replay_speed)
            except (OSError, ValueError) as exc:
                self.notify(_one_line(exc), title="cannot replay", severity="error")
                return
            model, variants = self.session.model or model, self.session.variants
            statuses = self.session.statuses or None  # the recorded machine's sensors, not this one's
        else:
            if not self._take_board():
                return
            config.probes = self.probe_handoff.for_run()
            self.session = _new_session(config, self._forward)
            variants = [str(v) for v in config.variants()]
        self.live = LiveRun(model, variants)
        self.push_screen(RunScreen(self.live, self.session, statuses, quiet=self.quiet))
        self._run_session(self.session)

    def _take_board(self) -> bool:
        """The measurement lock (core.run.boardlock): another dashboard measuring here gets one line, no run."""
        from core.run.boardlock import BoardBusyError, MeasureLock

        self.measure_lock.release()
        try:
            self.measure_lock = MeasureLock().acquire()
        except (BoardBusyError, OSError) as exc:
            self.notify(str(exc), title="board busy", severity="error", timeout=15)
            return False
        return True

    def _forward(self, event: dict[str, Any]) -> None:
        """Called on the run thread for every event: hand it to the UI thread as a message."""
        self.post_message(ProgressTick(event) if event.get("type") == "progress" else WorkerEvent(event))

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def _run_session(self, session: Any) -> None:
        try:
            result = session.run()
        except Exception as exc:  # a bug or an environment problem: one line on screen, the UI stays up
            self.post_message(RunCrashed(_one_line(exc)))
            return
        self.post_message(RunFinished(result))

    @on(WorkerEvent)
    @on(ProgressTick)
    def _event(self, message: WorkerEvent | ProgressTick) -> None:
        if self.live is not None:
            self.live.apply(message.event)

    @on(RunFinished)
    def _finished(self, message: RunFinished) -> None:
        self.measure_lock.release()
        live = self.live
        if live is None:
            return
        if message.result is None:
            live.add_log("info", "replay finished (Escape goes back)")
            live.session_state = "replay finished"
            live.result = {}
            return
        live.result = message.result
        self._record_dashboard_mode(message.result)
        note = self._what_happened(live, message.result)
        screen = ResultsScreen(message.result, note, self.save_path, live.variant_names[-1])
        if isinstance(self.screen, RunScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        if self.save_path is not None:
            self.call_after_refresh(screen.action_save)

    def _record_dashboard_mode(self, result: dict[str, Any]) -> None:
        """The result says how the dashboard drew while it measured (its redraws share the CPU with the model)."""
        screen = next((s for s in self.screen_stack if isinstance(s, RunScreen)), None)
        quiet = screen.quiet if screen is not None else self.quiet
        self.quiet = quiet  # a toggle on the run screen carries over to the next run
        environment = result.setdefault("environment", {})
        environment["dashboard_mode"] = DASHBOARD_MODES[quiet]

    @on(RunCrashed)
    def _crashed(self, message: RunCrashed) -> None:
        self.measure_lock.release()
        if self.live is not None:
            self.live.add_log("error", f"the run stopped: {message.message}")
            self.live.session_state = "failed"
            self.live.result = {}
        self.notify(message.message, title="Run failed", severity="error", timeout=10)
        self.run_failed = True

    @staticmethod
    def _what_happened(live: LiveRun, result: dict[str, Any]) -> str | None:
        """A line for the results screen when the run did not simply complete."""
        status = result.get("status")
        if status == "complete":
            return None
        kept = (
            ", ".join(f"{r.get('variant')} ({r.get('status')})" for r in result.get("runs") or [])
            or "nothing"
        )
        if status == "cancelled":
            where = live.variants.get(live.current or "")
            during = ""
            if where is not None and where.phase == "done":
                during = f" after {where.name} finished"
            elif where is not None and where.phase:
                during = f" during {where.name} {where.phase}"
            return f"Cancelled by you{during}. Kept: {kept}; what was not measured shows —."
        return f"The run ended {status}. Kept: {kept}."

    def cancel_run(self) -> None:
        """Stop the worker; the session returns what it measured, which then shows on the results screen."""
        if self.session is None or self.live is None or self.live.result is not None:
            return
        self.live.cancel_requested = True
        self.live.add_log("warning", "cancelling: stopping the worker, keeping what was measured")
        self.session.cancel()

    # --- navigation ---------------------------------------------------------------------------------------

    def show_result(self, result: dict[str, Any], note: str | None = None) -> ResultsScreen:
        """Open a result (a finished run or a file read back) on the results screen."""
        screen = ResultsScreen(result, note)
        self.push_screen(screen)
        return screen

    @on(ResultsScreen.Saved)
    def _saved(self, message: ResultsScreen.Saved) -> None:
        self.last_saved = message.path
        self.notify(f"saved {message.path}", timeout=4)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_screenshot_svg(self) -> None:
        """F2 on any screen: the screen as SVG, named after model, setting and screen; the path is shown."""
        from tui.screenshot import save_svg

        try:
            path = save_svg(self, self.screenshot_dir)
        except OSError as exc:
            self.notify(
                f"cannot save a screenshot in {self.screenshot_dir}: {exc.strerror or exc}", severity="error"
            )
            return
        self.notify(f"saved {path}", title="Screenshot", timeout=6)

    def action_compare(self) -> None:
        self.push_screen(CompareScreen(self.results_dir, self.last_saved))

    def action_rerun(self) -> None:
        request = self.last_request
        if request is None:
            self.notify("nothing to run again yet; press Escape for setup", severity="warning")
            return
        self.pop_screen()
        self._start(request.model, request.compression, request.options)

    def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    async def action_quit(self) -> None:
        """Quit; a run in progress is cancelled first so no worker process outlives the dashboard."""
        self.on_exit_app()
        self.exit(return_code=1 if self.run_failed else 0)

    def on_exit_app(self) -> None:
        """Any way out (q, SIGTERM or a closed browser tab under `tocompress serve`): stop the run's worker."""
        if self.session is not None and self.live is not None and self.live.result is None:
            self.session.cancel()
        self.probe_handoff.close()


class _NoLock:
    def release(self) -> None:
        pass


def _new_session(config: Any, on_event: Callable[[dict[str, Any]], None]) -> Any:
    from core.run.session import Session

    return Session(config, on_event=on_event)


def _new_replay(path: Path, on_event: Callable[[dict[str, Any]], None], speed: float) -> Any:
    from core.run.replay import ReplaySession

    return ReplaySession(path, on_event, speed)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def make_app(compression: str = "q8", options: RunOptions | None = None, **kwargs: Any) -> TocompressApp:
    """The dashboard as the CLI and the tests build it (TocompressApp's keywords); a bad setting raises SpecError."""
    CompressionSpec.parse(compression)
    if options is not None:
        options.validate()
    return TocompressApp(compression=compression, options=options, **kwargs)


__all__ = ["TocompressApp", "make_app"]
