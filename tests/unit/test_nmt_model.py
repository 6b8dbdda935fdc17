"""The GNMT-style builder: parameter counts by shape arithmetic (the paper's 211M without building it), masking,
and the frozen greedy decoder through the artifact with its LSTM, attention and projection weights compressed."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from core.artifact.graph_build import build_graph, open_session  # noqa: E402
from core.compress.freeze import freeze_model  # noqa: E402
from core.compress.writer import save_artifact  # noqa: E402
from core.models.nmt import PRESETS, NMTConfig, build_nmt, count_params  # noqa: E402
from core.models.registry import get_model_info  # noqa: E402

SMALL = NMTConfig(src_vocab=30, tgt_vocab=25, embed_units=8, units=12, encoder_layers=3, decoder_layers=3,
                  max_decode_len=9)  # fmt: skip
SOURCES = np.array([[5, 6, 7, 8, 9], [10, 11, 0, 0, 0], [12, 13, 14, 0, 0]], np.int32)


def test_the_paper_sized_preset_has_211m_parameters():
    # TF NMT tutorial's GNMT: 4 layers of 1024 units, embeddings 1024, BPE vocabulary 36,549 on both sides.
    params = count_params(PRESETS["gnmt-4x1024"])
    assert params == 210_882_560
    assert abs(params - 211e6) / 211e6 < 0.001
    assert get_model_info("nmt").params == params


@pytest.mark.parametrize(
    "config",
    [
        SMALL,
        NMTConfig(30, 25, 8, 12, encoder_layers=1, decoder_layers=2, attention="luong", max_decode_len=5),
    ],
)
def test_count_params_matches_the_built_model(config):
    inference, training = build_nmt(config)
    assert inference.count_params() == training.count_params() == count_params(config)


@pytest.fixture(scope="module")
def small_model():
    tf.keras.utils.set_random_seed(1)
    return build_nmt(SMALL)


def test_greedy_decoding_of_a_padded_batch_equals_one_sentence_at_a_time(small_model):
    inference, training = small_model
    batch = inference(SOURCES).numpy()
    assert batch.shape == (3, SMALL.max_decode_len) and batch.dtype == np.int32
    for row, src in zip(batch, SOURCES, strict=True):
        alone = inference(src[None, : int((src != 0).sum())]).numpy()[0]
        assert (alone == row).all()  # padding is masked in the encoder and the attention
    assert training([SOURCES, SOURCES[:, :4]]).shape == (3, 4, SMALL.tgt_vocab)


def _run(path, x):
    built = build_graph(str(path))
    with open_session(built, tf) as sess:
        return built, sess.run(built.outputs[0], {built.inputs[0]: x})


def test_frozen_decoder_compresses_every_lstm_attention_and_dense_weight(small_model, tmp_path):
    inference, _ = small_model
    graph_def, inputs, outputs = freeze_model(inference)
    assert not graph_def.library.function  # the loops are lowered: one graph, weights as its constants
    matrices = [
        w for w in inference.weights if len(w.shape) >= 2
    ]  # embeddings, kernels, attention, projection
    base = save_artifact(graph_def.__deepcopy__(), inputs, outputs, "baseline", tmp_path / "b.tcz")
    q8 = save_artifact(graph_def.__deepcopy__(), inputs, outputs, "q8", tmp_path / "q.tcz")
    p25 = save_artifact(graph_def.__deepcopy__(), inputs, outputs, "p0.25", tmp_path / "p.tcz")
    assert base.params == q8.params == count_params(SMALL)
    assert q8.compressed_tensors == len(matrices) == 19
    assert p25.nonzero_params < 0.8 * base.nonzero_params
    _, ids = _run(tmp_path / "b.tcz", SOURCES)
    assert (ids == inference(SOURCES).numpy()).all()  # the frozen graph decodes as Keras does
    built, ids_q8 = _run(tmp_path / "q.tcz", SOURCES)
    assert built.counts["integer_weights"] == built.counts["dequantize_ops"] == 19
    assert ids_q8.shape == ids.shape


def test_frozen_decoder_never_grows_a_list_which_tf115_and_26_cannot(small_model):
    """A growable TensorArray writes with TensorListSetItem's `resize_if_index_out_of_bounds` (newer than TF 2.6):
    an older TensorFlow drops the attribute it does not know and the first write fails on the empty list."""
    graph_def, _, _ = freeze_model(small_model[0])
    writes = [node for node in graph_def.node if node.op == "TensorListSetItem"]
    assert writes  # the decoder's output array
    assert not [n.name for n in writes if n.attr["resize_if_index_out_of_bounds"].b]


DEMO_BLEU_MIN = 90.0  # measured 96.5 by scripts/train_nmt_demo.py (seed 0)


def test_the_shipped_demo_translates_its_held_out_test_split():
    import sacrebleu

    from core.data.translation import translation_eval_data
    from core.models.builders import load_model
    from core.samples.vocab import Vocab

    model = load_model("nmt-demo")
    evaluation = translation_eval_data("nmt-demo")
    assert evaluation.x.shape[0] == len(evaluation.y) == 500
    vocab = Vocab(list(evaluation.vocab))
    hypotheses = [vocab.decode(row) for row in model.predict(evaluation.x, batch_size=100, verbose=0)]
    bleu = sacrebleu.corpus_bleu(hypotheses, [list(evaluation.y)]).score
    assert bleu >= DEMO_BLEU_MIN, hypotheses[:3]
    assert model.count_params() == get_model_info("nmt-demo").params
