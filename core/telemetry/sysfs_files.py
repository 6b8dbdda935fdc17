"""Reading sysfs attribute files, shared by the sysfs sources: text once at discovery, and which errors mean gone."""

from __future__ import annotations

import errno

GONE_ERRNOS = (errno.ENODEV, errno.ENOENT, errno.ENXIO)
"""A read failing with one of these means the device or file went away (unbound driver), not a one-off glitch."""


def read_text(path: str) -> str:
    """A sysfs file's text, stripped of whitespace and the NUL some drivers pad with."""
    with open(path, "rb") as f:
        return f.read().decode(errors="replace").strip().strip("\x00")
