"""The op-class table: real TensorFlow op types and their oneDNN renames land in the paper's classes."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from core.measure.opclasses import CLASS_LABELS, node_class, op_class
from core.paths import asset


def test_seven_classes_with_labels():
    assert list(CLASS_LABELS) == list("ABCDEFG")
    assert CLASS_LABELS["A"] == "convolution"
    assert "recurrent" in CLASS_LABELS["G"]


def test_table_lists_each_op_once():
    table = json.loads(asset("op_classes.json").read_text())
    listed = [op for entry in table["classes"].values() for op in entry["ops"]] + table["bookkeeping"]
    assert [op for op, n in Counter(listed).items() if n > 1] == []


@pytest.mark.parametrize(
    ("op_type", "expected"),
    [
        ("Conv2D", "A"),
        ("DepthwiseConv2dNative", "A"),
        ("Conv2DBackpropInput", "A"),
        ("MatMul", "B"),
        ("BatchMatMulV2", "B"),
        ("Einsum", "B"),
        ("BiasAdd", "C"),
        ("Relu", "C"),
        ("Relu6", "C"),
        ("AddV2", "C"),
        ("Mul", "C"),
        ("Sigmoid", "C"),
        ("Tanh", "C"),
        ("Softmax", "C"),
        ("FusedBatchNormV3", "D"),
        ("LRN", "D"),
        ("MaxPool", "E"),
        ("AvgPool", "E"),
        ("Reshape", "E"),
        ("ConcatV2", "E"),
        ("Pad", "E"),
        ("Squeeze", "E"),
        ("Transpose", "E"),
        ("Dequantize", "F"),
        ("QuantizeV2", "F"),
        ("Cast", "F"),
        ("LSTMBlockCell", "G"),
        ("Merge", "G"),
        ("TensorListGetItem", "G"),
    ],
)
def test_plain_tensorflow_ops(op_type, expected):
    assert op_class(op_type) == expected


@pytest.mark.parametrize(
    ("op_type", "expected"),
    [
        ("_MklNativeConv2D", "A"),
        ("_MklNativeFusedConv2D", "A"),
        ("_FusedConv2D", "A"),
        ("_MklNativeDepthwiseConv2dNative", "A"),
        ("_MklNativeFusedDepthwiseConv2dNative", "A"),
        ("_MklNativePadWithConv2D", "A"),  # the pad is fused into the convolution, which dominates
        ("_MklMatMul", "B"),
        ("_MklFusedMatMul", "B"),
        ("_FusedMatMul", "B"),
        ("_MklFusedBatchMatMulV2", "B"),
        ("_MklSoftmax", "C"),
        ("_MklSwish", "C"),
        ("_MklNativeFusedBatchNormV3", "D"),
        ("_FusedBatchNormEx", "D"),
        ("_MklLayerNorm", "D"),
        ("_MklNativeMaxPool", "E"),
        ("_MklNativeAvgPool", "E"),
        ("_MklTranspose", "E"),
        ("_MklToTf", "E"),
        ("_MklQuantizeV2", "F"),
        ("_MklDequantize", "F"),
        ("_MklQuantizedConv2DWithBiasAndReluAndRequantize", "A"),
        ("QuantizedMatMulWithBias", "B"),
        ("Conv2DWithBias", "A"),  # longest listed prefix at a word boundary
        ("FusedBatchNormGradV3", "D"),
    ],
)
def test_onednn_and_fused_names(op_type, expected):
    assert op_class(op_type) == expected


@pytest.mark.parametrize("op_type", ["NoOp", "_Arg", "_Retval", "Const", "Identity", "Placeholder", "_Recv"])
def test_bookkeeping_ops_have_no_class(op_type):
    assert op_class(op_type) is None


@pytest.mark.parametrize("op_type", ["SomeCustomOp", "Substr", "_MklSomethingNew"])
def test_unknown_ops_are_other(op_type):
    # "Substr" starts with the listed "Sub" but not at a word boundary, so it is not element-wise.
    assert op_class(op_type) == "G"


@pytest.mark.parametrize(
    ("op_type", "node_name", "expected"),
    [
        ("Mul", "functional_1/conv1_bn_1/batchnorm/mul_1", "D"),  # tf.nn.batch_normalization's own scope
        ("AddV2", "functional_1/batch_normalization_1/batchnorm/add_1", "D"),
        ("Mean", "functional_1/layer_normalization_1/moments/mean", "D"),
        ("Reshape", "functional_1/group_normalization_1/Reshape", "D"),
        ("Mul", "functional_1/dense_1/mul", "C"),
        ("_MklNativeFusedConv2D", "model/conv_bn/batchnorm/Conv2D", "A"),  # only C and E ops are re-filed
        ("Const", "functional_1/batch_normalization_1/batchnorm/add/y", None),
        ("Mean", "functional_1/global_average_pooling2d_1/Mean", "E"),
    ],
)
def test_node_class_files_lowered_normalization_under_d(op_type, node_name, expected):
    assert node_class(op_type, node_name) == expected
