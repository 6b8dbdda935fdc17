"""The result file: a versioned JSON record of the runs of a model (baseline and compressed settings).

Saved atomically so a crash never leaves half a file, and loaded by a reader that keeps accepting older versions.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core import __version__
from core.atomic import write_atomic
from core.errors import UserError
from core.report.comparison import comparisons_of

SCHEMA_VERSION = 1


class ResultFileError(UserError, ValueError):
    """A result file that cannot be written or read; the message says which and what to do."""


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_result_file(
    model: str, environment: dict[str, Any], runs: list[dict[str, Any]], status: str, errors: list[str]
) -> dict[str, Any]:
    """Assemble the file; the comparison (baseline against the headline run) is there once both exist."""
    comparisons = comparisons_of({"runs": runs})
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "tocompress", "version": __version__},
        "created": utc_now_iso(),
        "environment": environment,
        "model": model,
        "status": status,
        "runs": runs,
        "comparison": comparisons[0].to_dict() if comparisons else None,
        "errors": errors,
    }


def _clean(value: Any) -> Any:
    """Replace NaN/inf by None: JSON has no NaN, and a missing number must read as missing, not as a number."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def save_result(path: str | Path, data: dict[str, Any]) -> Path:
    """Write atomically (core.atomic) so a crash never leaves a torn file."""
    path = Path(path)
    text = json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"
    try:
        write_atomic(path, [text.encode("utf-8")])
    except OSError as exc:
        raise ResultFileError(f"cannot write {path}: {exc.strerror or exc}; choose a writable path") from None
    return path


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a result file of this or an older schema version, upgrading it in memory."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultFileError(f"no result file at {path}; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultFileError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ResultFileError(
            f"{path} is not valid JSON (line {exc.lineno}); is it a tocompress result?"
        ) from None
    if not isinstance(data, dict) or "schema_version" not in data or "runs" not in data:
        raise ResultFileError(f"{path} is not a tocompress result file (no schema_version/runs)")
    version = data["schema_version"]
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ResultFileError(
            f"{path} has schema version {version}, newer than this tocompress reads ({SCHEMA_VERSION}); upgrade"
        )
    return data


def file_safe(text: str) -> str:
    """A setting or model name spelled for a file name: `+` becomes `_`, and `:` (which scp reads as a host and
    some file systems refuse) or anything else outside [A-Za-z0-9._-] becomes `-`: `p0.5:filters` -> `p0.5-filters`.
    The setting itself stays as written inside the JSON."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text.replace("+", "_"))


def default_result_path(model: str, compression: str, now: datetime | None = None) -> Path:
    """`results/<model>-<setting>-<timestamp>.json`, both names spelled file-safe (file_safe)."""
    now = now or datetime.now()
    return Path("results") / f"{file_safe(model)}-{file_safe(compression)}-{now:%Y%m%d-%H%M%S}.json"


def validate_result(data: dict[str, Any]) -> None:
    """Validate against assets/result.schema.json; raises jsonschema.ValidationError."""
    import jsonschema

    from core.paths import asset

    schema = json.loads(asset("result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(_clean(data), schema)
