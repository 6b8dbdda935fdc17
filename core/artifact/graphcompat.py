"""Make a GraphDef frozen by a new TensorFlow import under an older one (TF 2.21 -> the TX2's TF 1.15).

New TensorFlow versions add attributes to existing ops (MaxPool's `explicit_paddings`, MatMul's `grad_a`) and
write them into every node, default value included; an older TensorFlow refuses a node that names an attribute its
op does not have ("NodeDef mentions attr 'explicit_paddings' not in Op<name=MaxPool>"). Attributes equal to their
op's registered default carry no information, so the compress side strips them (`strip_default_attrs`) and the
run side drops what its own TensorFlow still does not know (`drop_unknown_attrs`), naming what it dropped.

Runs on the board's Python too: Python 3.6-compatible (comment type hints, no dataclasses), TensorFlow imported
inside the functions.
"""

from typing import Any, Iterator, List  # noqa: F401  (used by the comment type hints)


def _op_defs():
    # type: () -> Any
    """A `name -> OpDef or None` lookup on this process's TensorFlow registry (TF 1.15 and 2.x spell it apart)."""
    from tensorflow.python.framework import op_def_registry

    if hasattr(op_def_registry, "get"):
        return op_def_registry.get
    registered = op_def_registry.get_registered_ops()
    return registered.get


def _nodes(graph_def):
    # type: (Any) -> Iterator[Any]
    """Every NodeDef: the graph's own and those inside its function library."""
    for node in graph_def.node:
        yield node
    for function in graph_def.library.function:
        for node in function.node_def:
            yield node


def strip_default_attrs(graph_def):
    # type: (Any) -> int
    """Remove, in place, every node attribute equal to its op's registered default; returns how many were removed.

    Uses this process's TensorFlow (the compress side's, which wrote the graph), so the defaults are the ones the
    graph was made with. Ops it does not know (custom kernels) are left alone.
    """
    lookup = _op_defs()
    removed = 0
    for node in _nodes(graph_def):
        op_def = lookup(node.op)
        if op_def is None:
            continue
        for attr in op_def.attr:
            if not attr.HasField("default_value") or attr.name not in node.attr:
                continue
            if node.attr[attr.name] == attr.default_value:
                del node.attr[attr.name]
                removed += 1
    return removed


def drop_unknown_attrs(graph_def):
    # type: (Any) -> List[str]
    """Remove, in place, attributes this TensorFlow's op does not declare; returns `Op.attr` for each kind dropped.

    The run side calls it before `import_graph_def` so an attribute newer than its TensorFlow (left because its
    value was not the default) is named in a warning instead of failing the import. Internal `_` attributes are
    kept (TensorFlow does not check them); unknown ops are left for the import to report.
    """
    lookup = _op_defs()
    dropped = set()
    for node in _nodes(graph_def):
        op_def = lookup(node.op)
        if op_def is None:
            continue
        declared = set(attr.name for attr in op_def.attr)
        for name in list(node.attr):
            if name in declared or name.startswith("_"):
                continue
            del node.attr[name]
            dropped.add(f"{node.op}.{name}")
    return sorted(dropped)
