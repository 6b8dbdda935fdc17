"""The measurement lock: one process measures on a board at a time; a dead holder's lock is taken over."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.run.boardlock import BoardBusyError, MeasureLock

HOLD = "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d' % os.getpid()); print('held', flush=True); time.sleep(60)"


def test_a_second_process_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    path = tmp_path / "m.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(BoardBusyError, match=rf"another tocompress \(pid {holder.pid}\) is measuring"):
            MeasureLock(path).acquire()
    finally:
        holder.kill()
        holder.wait()
    with MeasureLock(path) as lock:  # the kernel dropped the dead holder's flock: taken over
        assert lock.held and lock.holder_pid() == __import__("os").getpid()


def test_a_stale_pid_file_is_taken_over_and_release_frees_it(tmp_path: Path) -> None:
    path = tmp_path / "m.lock"
    path.write_text("999999999\n")  # a pid that cannot exist, as a crash would leave it
    first = MeasureLock(path).acquire()
    assert first.holder_pid() != 999999999
    with pytest.raises(BoardBusyError):
        MeasureLock(path).acquire()  # a second descriptor, even in this process, is refused
    first.release()
    MeasureLock(path).acquire().release()
