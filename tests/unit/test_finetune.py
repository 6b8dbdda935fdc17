"""Fine-tuning after pruning: it trains on the training split only, wins back accuracy lost to structured pruning,
and keeps unstructured pruning's zeros exactly zero."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.compress.finetune import apply_finetune  # noqa: E402
from core.compress.prune import apply_masks, keyed_weights, unstructured_masks  # noqa: E402
from core.compress.structured import structured_prune  # noqa: E402
from core.data import DatasetError, load_eval_set, load_train_set  # noqa: E402
from core.models.builders import load_model  # noqa: E402


@pytest.fixture(scope="module")
def held_out():
    return load_eval_set("digits-cnn")


def _top1(model, eval_set) -> float:
    return float(np.mean(np.argmax(model.predict(eval_set.x, verbose=0), axis=1) == eval_set.y))


def test_train_split_is_disjoint_from_the_held_out_digits(held_out):
    train = load_train_set("digits-cnn")
    assert (train.name, len(train.y), len(held_out.y)) == ("digits-train", 1347, 450)
    train_rows = {row.tobytes() for row in train.x}
    assert sum(row.tobytes() in train_rows for row in held_out.x) < 5  # duplicates images only by accident


def test_finetuning_raises_top1_after_structured_pruning(held_out):
    pruned, _ = structured_prune(load_model("digits-cnn"), 0.5)
    before = _top1(pruned, held_out)
    tuned, record = apply_finetune(pruned, load_train_set("digits-cnn"), 3)
    after = _top1(tuned, held_out)
    print(f"p0.5:filters top-1 before fine-tuning {before:.4f}, after 3 epochs {after:.4f}")
    assert before < after
    assert record["epochs"] == 3 and record["samples"] == 1347 and record["dataset"] == "digits-train"
    assert record["loss_after"] < record["loss_before"]


def test_masks_keep_unstructured_zeros_through_finetuning():
    model = load_model("digits-cnn")
    masks = unstructured_masks(model, 0.5)
    assert len(masks) == 4  # the four kernels; biases stay whole as in the artifact
    apply_masks(model, masks)
    masked_before = {key: v.numpy().copy() for key, v in keyed_weights(model)}
    tuned, record = apply_finetune(model, load_train_set("digits-cnn"), 1, masks)
    assert record["masks_kept"] == 4
    for key, variable in keyed_weights(tuned):
        mask, before = masks.get(key), masked_before[key]
        if mask is not None:
            value = variable.numpy()
            assert np.all(value[~mask] == 0.0) and np.mean(value == 0.0) == pytest.approx(0.5, abs=0.01)
            assert not np.array_equal(value[mask], before[mask])  # the kept weights did train


def test_a_model_without_a_training_split_says_so_in_one_line():
    with pytest.raises(DatasetError, match="no training split for mobilenet") as info:
        load_train_set("mobilenet")
    assert "\n" not in str(info.value)


def test_pipeline_reports_pruning_and_finetune_blocks():
    from core.compress.pipeline import StepSamples, apply_model_steps
    from core.spec import CompressionSpec

    model, blocks = apply_model_steps(
        load_model("digits-cnn"),
        CompressionSpec.parse("p0.5:filters:ft1"),
        StepSamples(training=load_train_set("digits-cnn")),
    )
    pruning, finetune = blocks["pruning"], blocks["finetune"]
    assert pruning["form"] == "structured" and pruning["params_after"] == model.count_params() < 151_306
    assert pruning["fraction_requested"] == 0.5 and abs(pruning["fraction_achieved"] - 0.5) <= 0.02
    assert pruning["flops_after"] < pruning["flops_before"]
    assert finetune["epochs"] == 1 and finetune["dataset"] == "digits-train" and finetune["masks_kept"] == 0
