"""`tocompress sweep --cluster ...`: the sweep spread over a fleet of boards (core.sweep.cluster), and the
cross-board view printed at its end and by `recommend` (each setting's ratio to the baseline on each board)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from core.sweep.points import points_of
from tui.cli.preflight import UsageError
from tui.view.boards import render_cross_board

console = Console(stderr=True, soft_wrap=True)


def _board_roots(pairs: list[str]) -> dict[str, str]:
    roots = {}
    for pair in pairs:
        kind, sep, root = pair.partition("=")
        if not sep or not kind or not root:
            raise UsageError(f"--board-root {pair}: write KIND=DIR, e.g. tx2=/tmp/tx2")
        if not Path(root).is_dir():
            raise UsageError(
                f"--board-root {pair}: {root} is not a folder (make one: scripts/make_board_tree.py)"
            )
        roots[kind] = root
    return roots


def cluster_sweep_command(args: argparse.Namespace, plan: Any, report: Callable[[Any, Any], int]) -> int:
    from core.sweep.cluster import (
        ClusterSweepRunner,
        board_kinds,
        choose_kinds,
        connect,
        local_boards,
        parse_cluster,
    )
    from core.sweep.store import SweepStore

    if args.ui:
        raise UsageError(
            f"--ui with --cluster: run the sweep without --ui and watch it with `tocompress --sweep {args.out}`"
        )
    address, n_local = parse_cluster(args.cluster)
    wanted = [k.strip() for k in (args.boards or "").split(",") if k.strip()] or None
    roots = _board_roots(args.board_root)
    if roots and n_local is None:
        raise UsageError("--board-root is for --cluster local:N; a board's worker reads its own sysfs")
    boards = local_boards(n_local, wanted, roots, args.sysfs_root) if n_local else []
    store = SweepStore(args.out).open()  # locked before any board starts: one writer per file
    try:
        if store.note:
            console.print(f"[yellow]{args.out}: {store.note}[/]")
        with console.status(f"connecting to {args.cluster}", spinner="dots") as status:
            with connect(address, boards, Path(args.workdir).resolve() / "fleet") as client:
                available = board_kinds(client)
                kinds = choose_kinds(available, wanted, args.cluster)
                console.print(
                    f"sweep on {len(kinds)} board kind(s) ("
                    + ", ".join(f"{k}: {len(available[k])} board(s)" for k in kinds)
                    + f"): {len(plan.models)} model(s) x {len(plan.settings)} setting(s) + baseline per board "
                    f"into {args.out}"
                )
                runner = ClusterSweepRunner(
                    plan, store, client, {k: len(available[k]) for k in kinds},
                    on_progress=lambda p: _show(p, status),
                )  # fmt: skip
                try:
                    summary = runner.run()
                except KeyboardInterrupt:  # points running on boards finish there and wait in their spools
                    runner.cancel()
                    console.print(
                        "cancelled: points running on boards finish there; run again to collect them"
                    )
                    return 130
    finally:
        store.close()
    code = report(args, summary)
    table = render_cross_board(points_of(store.records))
    if table:
        console.print(table, markup=False, highlight=False)
    return code


def _show(progress: Any, status: Any) -> None:
    counts = f"[{progress.done}/{progress.total}]"
    if progress.current:
        status.update(f"{counts} {progress.current}: measuring")
    if progress.message and not progress.message.endswith("measuring"):
        console.print(f"{counts} {progress.message}", markup=False, highlight=False)
