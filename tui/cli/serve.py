"""`tocompress serve`: the dashboard in a web browser (textual-serve), one dashboard process per browser connection.

Every option of the dashboard passes through to each browser's dashboard (`--replay` included). It binds
127.0.0.1 unless told otherwise (over SSH: `ssh -L 8000:localhost:8000 board`). Two tabs measuring at once are
kept apart by the dashboard's measurement lock (core.run.boardlock), not here.

Why not textual-serve's own `Server.serve()`: it starts each app through a shell in serve's own process group and,
as measured here, left its apps running after SIGTERM. Here each app runs without a shell in its own session (a
Ctrl-C in serve's terminal reaches serve only), serve keeps their pids, and on Ctrl-C or SIGTERM it asks each app
to quit (SIGTERM: the app cancels its run, which stops its worker processes), then kills whatever of each app's
process tree (workers included, though they run in sessions of their own) is still there after a grace period.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import psutil
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from core.errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
GRACE_S = 5.0  # an app's time to cancel its run and exit before it and its workers are killed
OWN_OPTIONS = ("--host", "--port")


def add_serve_parser(sub: Any, add_dashboard_options: Callable[[argparse.ArgumentParser], None]) -> None:
    serve = sub.add_parser(
        "serve",
        help="the dashboard in a web browser (every option of the dashboard applies to each browser's dashboard)",
        allow_abbrev=False,  # its argv passes to the dashboards as written, so options must be written in full
    )
    add_dashboard_options(serve)
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")


def app_argv(argv: list[str]) -> list[str]:
    """The dashboard's arguments: serve's command line without `serve`, --host and --port."""
    out: list[str] = []
    tokens = iter(argv)
    dropped_command = False
    for token in tokens:
        if token == "serve" and not dropped_command:
            dropped_command = True
        elif token in OWN_OPTIONS:
            next(tokens, None)
        elif not token.startswith(tuple(f"{o}=" for o in OWN_OPTIONS)):
            out.append(token)
    return out


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The one line serve prints when it listens beyond this machine."""
    if is_loopback(host):
        return None
    return (
        f"tocompress serve: listening on {host}: anyone who can reach this address and port can drive the "
        "dashboard (start runs on this board, read and save results); there is no password"
    )


def stop_trees(pids: list[int], grace_s: float = GRACE_S) -> list[int]:
    """SIGTERM each pid, wait `grace_s` for it and its descendants (found first: a worker in its own session would
    otherwise be lost when its parent dies), then SIGKILL what is left; returns the pids that had to be killed."""
    procs: list[psutil.Process] = []
    for pid in pids:
        try:
            parent = psutil.Process(pid)
            procs += [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        try:
            parent.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=2.0)
    return [p.pid for p in alive]


class TrackedAppService(AppService):
    """textual-serve's AppService, started without a shell in a session of its own and registered with serve."""

    def __init__(self, server: DashboardServer, **kwargs: Any) -> None:
        super().__init__(server.command, **kwargs)
        self.server = server

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.server.app_command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        self.server.started(process.pid)
        return process

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            if self._process is not None:
                await self._process.wait()
                self.server.ended(self._process.pid, self._process.returncode)


class DashboardServer(Server):
    """Serves the dashboard; `run()` blocks until Ctrl-C or SIGTERM, then stops every dashboard it started."""

    def __init__(self, dashboard_args: list[str], host: str, port: int) -> None:
        self.app_command = [sys.executable, "-m", "tui.cli", *dashboard_args]
        super().__init__(" ".join(["tocompress", *dashboard_args]), host=host, port=port, title="tocompress")
        self.apps: set[int] = set()

    def started(self, pid: int) -> None:
        self.apps.add(pid)
        print(f"dashboard pid {pid} started for a browser ({len(self.apps)} running)", flush=True)

    def ended(self, pid: int, returncode: int | None) -> None:
        if pid in self.apps:
            self.apps.discard(pid)
            print(f"dashboard pid {pid} ended (exit {returncode}; {len(self.apps)} running)", flush=True)

    async def on_startup(self, app: web.Application) -> None:
        print(
            f"serving `{self.command}` on {self.public_url} (Ctrl-C stops it and its dashboards)", flush=True
        )

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler with the tracked app service (its own is not replaceable otherwise)."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: TrackedAppService | None = None
        try:
            await websocket.prepare(request)
            service = TrackedAppService(
                self,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            if service is not None:
                await service.stop()
        return websocket

    def run(self) -> int:
        return asyncio.run(self._main())

    async def _main(self) -> int:
        runner = web.AppRunner(await self._make_app(), handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise UserError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}; choose another --port"
            ) from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print(f"stopping: {len(self.apps)} dashboard(s) to close", flush=True)
        killed = await asyncio.to_thread(stop_trees, sorted(self.apps))
        if killed:
            print(f"killed pids {killed} (still running {GRACE_S:g} s after SIGTERM)", flush=True)
        await runner.cleanup()
        return 0


def serve_command(
    args: argparse.Namespace, argv: list[str], check: Callable[[argparse.Namespace], Any]
) -> int:
    """Check the dashboard's options once here (one clear line, before any browser connects), then serve."""
    check(args)
    warning = exposure_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return DashboardServer(app_argv(argv), args.host, args.port).run()
