"""Entry point: `python -m core.worker` reads a RunSpec as JSON on stdin and streams JSON-lines events on stdout."""

from core.worker.main import main

if __name__ == "__main__":
    raise SystemExit(main())
