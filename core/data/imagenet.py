"""ImageNet (ILSVRC2012) validation images as users have them, decoded and preprocessed the way each model expects.

Two layouts: a flat folder of `ILSVRC2012_val_*.JPEG` with the devkit's ground-truth file (one 1-based
ILSVRC2012_ID per line, in image order), or one folder per synset (`n01440764/...`). Labels are Keras's 1000-class
indices (synsets in sorted order, assets/imagenet_class_index.json); the devkit's IDs follow another order, so
assets/imagenet_ilsvrc2012_ids.txt lists the synset of ID 1, 2, ... 1000 (the devkit's meta.mat order) to map them.
A flat folder without a ground-truth file gives unlabelled images (fidelity only). Decoding (Pillow) happens here,
in the compress stage, never in the timed loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import UserError
from core.paths import asset

N_CLASSES = 1000
IMAGE_SUFFIXES = {".jpeg", ".jpg", ".png"}
GROUND_TRUTH_NAMES = ("ILSVRC2012_validation_ground_truth.txt", "val_ground_truth.txt", "ground_truth.txt")
SYNSET_RE = re.compile(r"^n\d{8}$")
VAL_NUMBER_RE = re.compile(r"_(\d+)\.[A-Za-z]+$")
CROP_FRACTION = 0.875  # resize the shorter side to size / 0.875 (256 for 224), then centre-crop (Keras, slim)
PREPROCESS_MODES = ("caffe", "tf", "torch", "none")
_CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], np.float32)
_TORCH_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_TORCH_STD = np.array([0.229, 0.224, 0.225], np.float32)

# Each paper model's own input convention (keras.applications' preprocess_input modes; slim's Inceptions use "tf").
MODEL_PREPROCESS = {
    "resnet50": "caffe",
    "resnet101": "caffe",
    "resnet152": "caffe",
    "vgg16": "caffe",
    "vgg19": "caffe",
    "inception-v1": "tf",
    "inception-v2": "tf",
    "inception-v3": "tf",
    "inception-v4": "tf",
    "mobilenet": "tf",
}

Progress = Callable[[int, int], None]  # (decoded, total)


class ImageNetError(UserError, ValueError):
    """A folder that is not an ImageNet validation set in either layout; the message says what is expected."""


@lru_cache(maxsize=1)
def class_index() -> tuple[tuple[str, str], ...]:
    """(synset, name) for Keras class 0..999."""
    data = json.loads(asset("imagenet_class_index.json").read_text())
    return tuple((data[str(i)][0], data[str(i)][1]) for i in range(N_CLASSES))


@lru_cache(maxsize=1)
def synset_to_index() -> dict[str, int]:
    return {wnid: i for i, (wnid, _) in enumerate(class_index())}


@lru_cache(maxsize=1)
def ilsvrc_id_to_index() -> np.ndarray:
    """Keras class index of each 1-based ILSVRC2012_ID (element 0 unused, -1)."""
    wnids = asset("imagenet_ilsvrc2012_ids.txt").read_text().split()
    lookup = synset_to_index()
    return np.array([-1] + [lookup[w] for w in wnids], np.int64)


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _ground_truth_file(root: Path) -> Path | None:
    for folder in (root, root.parent):
        for name in GROUND_TRUTH_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def list_samples(root: str | Path) -> tuple[list[Path], np.ndarray | None]:
    """Image paths and their Keras labels (None for a flat folder without a ground-truth file)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ImageNetError(f"ImageNet folder {root} does not exist; give the validation images' folder")
    synset_dirs = sorted(p for p in root.iterdir() if p.is_dir() and SYNSET_RE.match(p.name))
    if synset_dirs:
        lookup = synset_to_index()
        unknown = [p.name for p in synset_dirs if p.name not in lookup]
        if unknown:
            raise ImageNetError(f"{root}: folders {', '.join(unknown[:3])} are not ILSVRC2012 synsets")
        paths, labels = [], []
        for folder in synset_dirs:
            for image in _images(folder):
                paths.append(image)
                labels.append(lookup[folder.name])
        return paths, np.array(labels, np.int64)
    paths = _images(root)
    if not paths:
        raise ImageNetError(
            f"{root} has no JPEGs and no synset folders (n01440764/...); give the ILSVRC2012 validation folder"
        )
    truth = _ground_truth_file(root)
    if truth is None:
        return paths, None
    ids = np.array([int(t) for t in truth.read_text().split()], np.int64)
    if ids.min() < 1 or ids.max() > N_CLASSES:
        raise ImageNetError(f"{truth}: IDs must be 1..1000 (ILSVRC2012_IDs), found {ids.min()}..{ids.max()}")
    labels = []
    for i, path in enumerate(paths):
        match = VAL_NUMBER_RE.search(path.name)
        line = int(match.group(1)) if match else i + 1  # ILSVRC2012_val_00000042.JPEG is line 42
        if not 1 <= line <= len(ids):
            raise ImageNetError(f"{truth} has {len(ids)} lines but {path.name} needs line {line}")
        labels.append(ilsvrc_id_to_index()[ids[line - 1]])
    return paths, np.array(labels, np.int64)


def preprocess(image: object, side: int, mode: str) -> np.ndarray:
    """A Pillow image as float32 (side, side, 3): shorter side resized to side/0.875, centre crop, `mode` scaling."""
    from PIL import Image

    img = image.convert("RGB")  # type: ignore[attr-defined]
    w, h = img.size
    scale = (side / CROP_FRACTION) / min(w, h)
    new_w, new_h = max(side, round(w * scale)), max(side, round(h * scale))
    img = img.resize((new_w, new_h), Image.Resampling.BILINEAR)
    left, top = (new_w - side) // 2, (new_h - side) // 2
    x = np.asarray(img.crop((left, top, left + side, top + side)), np.float32)
    return scale_pixels(x, mode)


def scale_pixels(x: np.ndarray, mode: str) -> np.ndarray:
    """RGB pixels 0..255 to a model's input convention (keras.applications' preprocess_input modes)."""
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "caffe":
        return x[..., ::-1] - _CAFFE_MEAN_BGR
    if mode == "torch":
        return (x / 255.0 - _TORCH_MEAN) / _TORCH_STD
    if mode == "none":
        return x
    raise ImageNetError(f"preprocessing {mode!r} is unknown; choose one of: {', '.join(PREPROCESS_MODES)}")


def load_imagenet(
    root: str | Path,
    side: int,
    mode: str,
    limit: int | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Decode and preprocess the first `limit` images: x (N, side, side, 3) float32 and labels (or None)."""
    from PIL import Image, UnidentifiedImageError

    scale_pixels(np.zeros((1, 1, 3), np.float32), mode)  # an unknown mode fails before decoding anything
    paths, labels = list_samples(root)
    if limit is not None:
        paths = paths[:limit]
        labels = labels[:limit] if labels is not None else None
    x = np.empty((len(paths), side, side, 3), np.float32)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as image:
                x[i] = preprocess(image, side, mode)
        except (UnidentifiedImageError, OSError) as exc:
            raise ImageNetError(f"cannot decode {path}: {exc}; remove or replace the file") from None
        if progress is not None:
            progress(i + 1, len(paths))
    return x, labels
