"""Entry point: `python -m core.worker` reads a RunSpec as JSON on stdin and streams JSON-lines events on stdout.

The version check is written for any Python (no f-strings), so an interpreter too old for the worker, given as
--worker-python, answers with one protocol error event instead of a SyntaxError the dashboard cannot read.
"""

import sys

if sys.version_info < (3, 6):  # noqa: UP036 (the point: older Pythons run this line)
    import json
    import time

    _TOO_OLD = "the worker needs Python 3.6 or later; {} is Python {}: pass --worker-python with a newer one"

    sys.stdout.write(
        json.dumps(
            {
                "v": 1,
                "type": "error",
                "t": getattr(time, "monotonic", time.time)(),
                "phase": "start",
                "message": _TOO_OLD.format(sys.executable, sys.version.split()[0]),  # noqa: UP032
            }
        )
        + "\n"
    )
    sys.exit(1)

import os  # noqa: E402

from core.worker.main import main  # noqa: E402

if __name__ == "__main__":
    code = main()
    # Every event is flushed as it is written and every file is written atomically, so nothing is left to do but
    # the interpreter's teardown, which after TensorFlow and Keras takes about 2 s a process (their thread pools and
    # objects): skip it, so the session's next stage starts that much sooner.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
