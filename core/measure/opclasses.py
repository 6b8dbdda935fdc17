"""The paper's 7 op classes (A convolution ... G recurrent and other) for TensorFlow op types, oneDNN names included.

The table lives in assets/op_classes.json so it can be read and extended without code. Bookkeeping ops (NoOp,
_Arg, _Retval, Const, Identity, Placeholder, ...) get no class (`op_class` returns None): they do no arithmetic and
move no data, so per-op totals leave them out rather than letting them dilute class G.

Keras 3 runs batch/layer/group normalization at inference as plain Mul/AddV2/Rsqrt/Mean ops, with no
FusedBatchNorm kernel, so `node_class` also looks at the node's name scope to put those ops in D. Likewise the
run-time de-quantization of a weight (core.artifact.graph_build) lives in a `<weight>/dequantize/` scope, whose
Mul/Add (per-channel scales, the affine offset) belong to de-quantizing and count as F with the Dequantize op.

Python 3.6-compatible: the runner on a TX2 classifies its own trace.
"""

import json
import re
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Optional, Tuple  # noqa: F401 (used by the type comments)

from core.paths import asset

OTHER_CLASS = "G"
NORM_CLASS = "D"
DEQUANT_CLASS = "F"
_DEQUANT_SCOPE = re.compile(r"(^|/)dequantize/")
# Scopes of normalization layers: tf.nn.batch_normalization's own "batchnorm", and Keras layer names.
_NORM_SCOPE = re.compile(r"(^|/)(batchnorm|[^/]*normalization[^/]*)/")
_NORM_LOWERED_CLASSES = ("C", "E")  # element-wise math and the reshapes/means a normalization lowers to
# Prefixes oneDNN and grappler add to fused or layout-rewritten kernels, in the order they are removed.
_BACKEND_PREFIXES = ("_MklNative", "_Mkl", "_")
_VARIANT_PREFIXES = ("Fused", "Quantized")


def _load_table():
    # type: () -> Dict[str, Any]
    with open(asset("op_classes.json"), encoding="utf-8") as f:
        return json.load(f)


_TABLE = _load_table()
CLASS_LABELS = {key: entry["label"] for key, entry in sorted(_TABLE["classes"].items())}  # type: Dict[str, str]
_CLASS_OF = {op: key for key, entry in _TABLE["classes"].items() for op in entry["ops"]}  # type: Dict[str, str]
_BOOKKEEPING = frozenset(_TABLE["bookkeeping"])  # type: FrozenSet[str]
_BY_LENGTH = tuple(sorted(_CLASS_OF, key=len, reverse=True))  # type: Tuple[str, ...]


def _strip(name, prefix):
    # type: (str, str) -> Optional[str]
    """`name` without `prefix` when what is left starts a new word (an uppercase letter or digit)."""
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    return rest if rest[:1].isupper() or rest[:1].isdigit() else None


def _candidates(op_type):
    # type: (str) -> List[str]
    """`op_type`, then with the backend prefix removed, then with Fused/Quantized removed: _MklNativeFusedConv2D,
    FusedConv2D, Conv2D."""
    names = [op_type]
    for prefix in _BACKEND_PREFIXES:
        rest = _strip(names[-1], prefix)
        if rest:
            names.append(rest)
            break
    for prefix in _VARIANT_PREFIXES:
        rest = _strip(names[-1], prefix)
        if rest:
            names.append(rest)
    return names


def _longest_listed_prefix(name):
    # type: (str) -> Optional[str]
    """The longest listed op that starts `name` at a word boundary: Conv2DWithBias -> Conv2D, not Conv."""
    for op in _BY_LENGTH:
        if len(name) > len(op) and name.startswith(op) and _strip(name, op):
            return op
    return None


@lru_cache(maxsize=4096)
def op_class(op_type):
    # type: (str) -> Optional[str]
    """Class letter A..G for a TensorFlow op type (unknown ops are G), or None for bookkeeping ops."""
    names = _candidates(op_type)
    for name in names:
        if name in _BOOKKEEPING:
            return None
        if name in _CLASS_OF:
            return _CLASS_OF[name]
    for name in names:
        listed = _longest_listed_prefix(name)
        if listed:
            return _CLASS_OF[listed]
    return OTHER_CLASS


def node_class(op_type, node_name):
    # type: (str, str) -> Optional[str]
    """`op_class`, except that element-wise and reshape ops inside a normalization layer's scope count as D, and
    any op inside a weight's `dequantize/` scope counts as F."""
    cls = op_class(op_type)
    if cls is not None and _DEQUANT_SCOPE.search(node_name):
        return DEQUANT_CLASS
    if cls in _NORM_LOWERED_CLASSES and _NORM_SCOPE.search(node_name):
        return NORM_CLASS
    return cls
