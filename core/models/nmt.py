"""A GNMT-style translation model (Wu et al. 2016; the TF NMT tutorial's GNMT): LSTM encoder-decoder with attention.

Encoder: source embedding, a bidirectional first LSTM layer (`units` each way), then unidirectional LSTM layers,
residual from the third layer on. Decoder: the bottom LSTM layer reads [target embedding; previous attention
context], its output queries the attention (Bahdanau, or Luong's multiplicative form) over the encoder outputs,
and every upper layer reads [layer below; context], residual from the third layer on; a bias-free projection gives
the target-vocabulary logits. Inference is greedy decoding in a tf.while_loop of at most `max_decode_len` steps
(it stops early once every sentence has emitted EOS), so a frozen graph translates a whole batch in one
`sess.run`. Training is teacher-forced through the same step function. Padding (id 0) is masked in the encoder
and the attention, so batches of unequal lengths decode exactly as single sentences do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import keras
import tensorflow as tf

PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
SPECIAL_TOKENS = ("<pad>", "<s>", "</s>", "<unk>")
ATTENTIONS = ("bahdanau", "luong")
_NEG_INF = -1e9


@dataclass(frozen=True)
class NMTConfig:
    """The sizes of a GNMT-style model; `encoder_layers` counts the bidirectional first layer."""

    src_vocab: int
    tgt_vocab: int
    embed_units: int
    units: int
    encoder_layers: int = 4
    decoder_layers: int = 4
    attention: str = "bahdanau"
    max_decode_len: int = 100

    def __post_init__(self) -> None:
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention {self.attention!r} must be one of {ATTENTIONS}")
        if self.encoder_layers < 1 or self.decoder_layers < 1:
            raise ValueError("an NMT model needs at least one encoder and one decoder layer")

    @property
    def memory_units(self) -> int:
        """Width of the encoder outputs the attention reads: 2 x units when the bidirectional layer is the top one."""
        return 2 * self.units if self.encoder_layers == 1 else self.units


# The paper's NMT (211M parameters) matches the TF NMT tutorial's 4-layer GNMT on WMT16 En-De: 1024 units,
# embeddings of 1024, the tutorial's BPE vocabulary of 36,549 entries on both sides: 210,882,560 parameters.
PRESETS: dict[str, NMTConfig] = {
    "gnmt-4x1024": NMTConfig(src_vocab=36549, tgt_vocab=36549, embed_units=1024, units=1024),
}


def _lstm_params(input_dim: int, units: int) -> int:
    return 4 * units * (input_dim + units) + 4 * units  # kernel, recurrent kernel, one bias (Keras LSTMCell)


def count_params(config: NMTConfig) -> int:
    """The exact parameter count of `build_nmt(config)`, by shape arithmetic (no TensorFlow)."""
    e, u, m = config.embed_units, config.units, config.memory_units
    total = (config.src_vocab + config.tgt_vocab) * e
    total += 2 * _lstm_params(e, u)
    total += sum(_lstm_params(2 * u if i == 1 else u, u) for i in range(1, config.encoder_layers))
    total += _lstm_params(e + m, u) + (config.decoder_layers - 1) * _lstm_params(u + m, u)
    total += m * u + (u * u + u if config.attention == "bahdanau" else 0)
    total += u * config.tgt_vocab
    return total


@keras.saving.register_keras_serializable(package="tocompress")
class GNMT(keras.layers.Layer):
    """The whole model as one layer: `call(src)` decodes greedily to ids; `call([src, tgt_in])` gives logits."""

    def __init__(self, config: dict[str, Any] | NMTConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config if isinstance(config, NMTConfig) else NMTConfig(**config)
        c = self.config
        # Unit-scale embeddings: Keras's default (uniform +-0.05) leaves the encoder outputs so alike that the
        # attention's gradients vanish below Adam's epsilon and it never learns to align.
        init = keras.initializers.RandomUniform(-1.0, 1.0)
        self.src_embed = keras.layers.Embedding(c.src_vocab, c.embed_units, init, name="src_embed")
        self.tgt_embed = keras.layers.Embedding(c.tgt_vocab, c.embed_units, init, name="tgt_embed")
        cell = keras.layers.LSTMCell
        # keras.layers.RNN over an LSTMCell never switches to cuDNN, so the frozen graph runs on any device.
        self.encoder_bi = keras.layers.Bidirectional(
            keras.layers.RNN(cell(c.units, name="cell"), return_sequences=True), name="encoder_bi"
        )
        self.encoder_uni = [
            keras.layers.RNN(cell(c.units, name="cell"), return_sequences=True, name=f"encoder_{i}")
            for i in range(1, c.encoder_layers)
        ]
        self.decoder_cells = [cell(c.units, name=f"decoder_{i}") for i in range(c.decoder_layers)]
        self.memory_layer = keras.layers.Dense(c.units, use_bias=False, name="attention_memory")
        if c.attention == "bahdanau":
            self.query_layer = keras.layers.Dense(c.units, use_bias=False, name="attention_query")
        self.projection = keras.layers.Dense(c.tgt_vocab, use_bias=False, name="projection")

    def build(self, input_shape: Any = None) -> None:
        c = self.config
        self.src_embed.build((None, None))
        self.tgt_embed.build((None, None))
        self.encoder_bi.build((None, None, c.embed_units))
        for i, layer in enumerate(self.encoder_uni, start=1):
            layer.build((None, None, 2 * c.units if i == 1 else c.units))
        for i, dec_cell in enumerate(self.decoder_cells):
            dec_cell.build((None, (c.embed_units if i == 0 else c.units) + c.memory_units))
        self.memory_layer.build((None, None, c.memory_units))
        if c.attention == "bahdanau":
            self.query_layer.build((None, c.units))
            self.attention_v = self.add_weight(
                shape=(c.units,), initializer="glorot_uniform", name="attention_v"
            )
        self.projection.build((None, c.units))
        super().build(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "config": asdict(self.config)}

    def encode(self, src: Any) -> tuple[Any, Any, Any]:
        """Encoder outputs (B, S, memory_units), attention keys (B, S, units) and the source mask (B, S)."""
        mask = tf.not_equal(src, PAD_ID)
        x = self.encoder_bi(self.src_embed(src), mask=mask)
        for i, layer in enumerate(self.encoder_uni, start=1):
            y = layer(x, mask=mask)
            x = x + y if i >= 2 else y
        return x, self.memory_layer(x), mask

    def _attend(self, query: Any, memory: Any, keys: Any, mask: Any) -> Any:
        if self.config.attention == "bahdanau":
            q = self.query_layer(query)[:, None, :]
            scores = tf.reduce_sum(self.attention_v * tf.tanh(keys + q), axis=-1)
        else:
            scores = tf.reduce_sum(keys * query[:, None, :], axis=-1)
        scores = tf.where(mask, scores, _NEG_INF)
        weights = tf.nn.softmax(scores, axis=-1)
        return tf.reduce_sum(weights[:, :, None] * memory, axis=1)

    def step(self, token: Any, states: list[Any], context: Any, memory: Any, keys: Any, mask: Any) -> Any:
        """One decoder step: logits (B, tgt_vocab), the new [h, c] per layer, and the attention context."""
        new_states = []
        h, s = self.decoder_cells[0](tf.concat([self.tgt_embed(token), context], -1), states[0])
        new_states.append(s)
        context = self._attend(h, memory, keys, mask)
        for i, dec_cell in enumerate(self.decoder_cells[1:], start=1):
            out, s = dec_cell(tf.concat([h, context], -1), states[i])
            new_states.append(s)
            h = h + out if i >= 2 else out
        return self.projection(h), new_states, context

    def _initial(self, src: Any, memory: Any) -> tuple[list[Any], Any]:
        batch = tf.shape(src)[0]
        zeros = tf.zeros([batch, self.config.units], memory.dtype)
        states = [[zeros, zeros] for _ in self.decoder_cells]
        return states, tf.zeros([batch, self.config.memory_units], memory.dtype)

    def call(self, inputs: Any) -> Any:
        if isinstance(inputs, (list, tuple)):
            return self.teacher_forced(inputs[0], inputs[1])
        return self.greedy(inputs)

    def teacher_forced(self, src: Any, tgt_in: Any) -> Any:
        """Logits (B, T, tgt_vocab) for target inputs `tgt_in` (BOS first), for training."""
        memory, keys, mask = self.encode(src)
        states, context = self._initial(src, memory)
        steps = tgt_in.shape[1] or tf.shape(tgt_in)[1]  # static when known: XLA needs a fixed-size array
        out = tf.TensorArray(memory.dtype, size=steps)

        def body(t: Any, states: Any, context: Any, out: Any) -> Any:
            logits, states, context = self.step(tgt_in[:, t], states, context, memory, keys, mask)
            return t + 1, states, context, out.write(t, logits)

        loop = (tf.constant(0), states, context, out)
        _, _, _, out = tf.while_loop(lambda t, *_: t < steps, body, loop, maximum_iterations=steps)
        return tf.transpose(out.stack(), [1, 0, 2])

    def greedy(self, src: Any) -> Any:
        """Greedy decoding: ids (B, max_decode_len), EOS after each sentence and PAD after that."""
        max_len = self.config.max_decode_len
        memory, keys, mask = self.encode(src)
        states, context = self._initial(src, memory)
        batch = tf.shape(src)[0]
        token = tf.fill([batch], tf.constant(BOS_ID, tf.int32))
        done = tf.zeros([batch], tf.bool)
        # Fixed-size: a growable array's writes carry TensorListSetItem's `resize_if_index_out_of_bounds`, which
        # TF 2.6 and older do not know; dropped on import there, the first write fails on the empty list.
        out = tf.TensorArray(tf.int32, size=max_len)

        def cond(t: Any, token: Any, states: Any, context: Any, done: Any, out: Any) -> Any:
            return tf.logical_and(t < max_len, tf.logical_not(tf.reduce_all(done)))

        def body(t: Any, token: Any, states: Any, context: Any, done: Any, out: Any) -> Any:
            logits, states, context = self.step(token, states, context, memory, keys, mask)
            token = tf.where(done, PAD_ID, tf.argmax(logits, -1, output_type=tf.int32))
            return (
                t + 1,
                token,
                states,
                context,
                tf.logical_or(done, tf.equal(token, EOS_ID)),
                out.write(t, token),
            )

        loop = (tf.constant(0), token, states, context, done, out)
        steps, _, _, _, _, out = tf.while_loop(cond, body, loop, maximum_iterations=max_len)
        # The steps written only, padded as before; unwritten entries are never read.
        ids = tf.transpose(out.gather(tf.range(steps)), [1, 0])
        return tf.pad(ids, [[0, 0], [0, max_len - steps]], constant_values=PAD_ID)

    def compute_output_spec(self, inputs: Any) -> Any:
        if isinstance(inputs, (list, tuple)):
            shape = (inputs[1].shape[0], inputs[1].shape[1], self.config.tgt_vocab)
            return keras.KerasTensor(shape, dtype="float32")
        return keras.KerasTensor((inputs.shape[0], self.config.max_decode_len), dtype="int32")


def build_nmt(config: NMTConfig) -> tuple[keras.Model, keras.Model]:
    """The inference model (source ids -> greedy target ids, what gets compressed) and the training model
    ([source ids, target inputs] -> logits), sharing one GNMT layer and so every weight."""
    gnmt = GNMT(config, name="gnmt")
    gnmt.build()
    src = keras.Input((None,), dtype="int32", name="source_ids")
    tgt_in = keras.Input((None,), dtype="int32", name="target_in")
    inference = keras.Model(src, gnmt(src), name="nmt")
    training = keras.Model([src, tgt_in], gnmt([src, tgt_in]), name="nmt_train")
    return inference, training


def load_nmt_demo() -> keras.Model:
    """The shipped demo translation model (scripts/train_nmt_demo.py), its GNMT layer registered by this import."""
    from core.models.registry import NMT_DEMO_FILE
    from core.paths import asset

    return keras.models.load_model(asset(*NMT_DEMO_FILE), compile=False)


def build_random_nmt(name: str) -> keras.Model:
    """The inference model of `name` with fresh weights (the caller seeds): the demo's sizes for nmt-demo (from
    its shipped file), the paper's GNMT 4x1024 for nmt."""
    if name == "nmt":
        return build_nmt(PRESETS["gnmt-4x1024"])[0]
    gnmt = load_nmt_demo().get_layer("gnmt")
    return build_nmt(gnmt.config)[0]
