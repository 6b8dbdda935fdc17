"""`tocompress fetch MODEL`: download a pretrained weights file into the cache with a progress bar."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_fetch_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fetch", help="download a model's pretrained weights file into the cache (resumable)")
    p.add_argument("model", help="registry name, e.g. resnet50; see `tocompress models`")
    p.add_argument("--url", default=None, help="download from this address instead (a mirror or a proxy)")
    p.add_argument("--dir", dest="dest_dir", default=None, help="folder to put it in (default: the cache)")


def fetch_command(args: argparse.Namespace) -> int:
    """Download with a rich progress bar; FetchError (a UserError) becomes one line in tui.cli."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from core.models.fetch import fetch_weights
    from core.models.registry import get_model_info

    name = get_model_info(args.model).name
    console = Console(stderr=True)
    with Progress(
        "[bold]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no bar (nor its blank line) in logs and pipes
    ) as bar:
        task = bar.add_task(name, total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        path = fetch_weights(
            name, Path(args.dest_dir) if args.dest_dir else None, url=args.url, progress=progress
        )
    print(f"{name}: {path}")
    return 0
