"""The samples the run stage times and scores on, handed over by the compress stage as one .npz file.

The compress stage (modern Python: scikit-learn, the datasets) writes them; the run stage (Python 3.6 on a TX2, no
scikit-learn) reads them with numpy alone. Both derive the file name from the run spec, so neither has to be told.
Labels are absent (`y` None) where the model has no evaluation set here (seeded random weights): the run stage then
reports accuracy as null with the reason. Python 3.6-compatible.
"""

import io
import re
from pathlib import Path
from typing import Any, Callable, Dict, Optional  # noqa: F401 (used by the type comments)

import numpy as np

from core.atomic import write_atomic

NO_LABELS_REASON = "no evaluation set for this model here (seeded random weights): accuracy is not measured"


class EvalData:
    """Inputs, labels (or None), the set's name, and how many classes the labels range over."""

    def __init__(self, x, y, name, n_classes, vocab=None):
        # type: (np.ndarray, Optional[np.ndarray], str, Optional[int], Optional[np.ndarray]) -> None
        self.x = x
        self.y = y
        self.name = name
        self.n_classes = n_classes
        self.vocab = vocab  # translation: x source ids, y reference strings, vocab the target tokens by id


def eval_data_path(data):
    # type: (Dict[str, Any]) -> Path
    """Where the samples of a run spec (its JSON) live: `<workdir>/<model>-eval-<dataset>-<limit>.npz`."""
    if data.get("eval_data"):
        return Path(data["eval_data"])
    options = data.get("options") or {}
    parts = [
        str(data["model"]),
        "eval",
        str(data.get("dataset") or "default"),
        str(options.get("eval_limit") or "all"),
        "random" if data.get("weights") == "random" else "",
    ]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p))
    return Path(str(data.get("workdir") or "runs")) / (name + ".npz")


def decode_progress(emit):
    # type: (Callable[..., None]) -> Callable[[int, int], None]
    """A progress(done, total) callback that emits about a hundred `decode` events while images are decoded."""

    def progress(done, total):
        # type: (int, int) -> None
        if done == total or done % max(1, total // 100) == 0:
            emit("decode", done=done, total=total)

    return progress


def save_eval_data(path, evaluation):
    # type: (Path, EvalData) -> None
    """Write the samples atomically (two stages may race to write the same file: each write is whole)."""
    buf = io.BytesIO()
    arrays = {
        "x": evaluation.x,
        "name": np.array(evaluation.name),
        "n_classes": np.array(evaluation.n_classes or 0),
    }
    if evaluation.y is not None:
        arrays["y"] = evaluation.y
    if evaluation.vocab is not None:
        arrays["vocab"] = evaluation.vocab
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    write_atomic(path, [buf.getvalue()])


def load_eval_data(path):
    # type: (Path) -> EvalData
    """Read what save_eval_data wrote; FileNotFoundError (a user error) names the stage that makes it."""
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"evaluation samples {path} are missing; the compress stage writes them, run it first"
        )
    with np.load(str(path), allow_pickle=False) as archive:
        y = archive["y"] if "y" in archive.files else None
        n_classes = int(archive["n_classes"]) or None
        vocab = archive["vocab"] if "vocab" in archive.files else None
        return EvalData(archive["x"], y, str(archive["name"]), n_classes, vocab)
