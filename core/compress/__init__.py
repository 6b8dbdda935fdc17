"""Model compression as the paper does it: affine N-bit weight quantization and magnitude pruning, stored for real.

Bit-packed codes and sparse structures make the artifact on disk actually shrink, so its size is measured, not
estimated. Importing this package never imports TensorFlow; only save_artifact/load_artifact load Keras.
"""

from core.compress.artifact import (
    ArtifactError,
    ArtifactInfo,
    load_artifact,
    read_artifact_header,
    save_artifact,
)
from core.compress.bitpack import pack_bits, unpack_bits
from core.compress.prune import magnitude_mask
from core.compress.quantize import QuantizedTensor, dequantize, quantize
from core.compress.tensorcodec import CodecError, TensorMeta, decode_tensor, encode_tensor

__all__ = [
    "ArtifactError",
    "ArtifactInfo",
    "CodecError",
    "QuantizedTensor",
    "TensorMeta",
    "decode_tensor",
    "dequantize",
    "encode_tensor",
    "load_artifact",
    "magnitude_mask",
    "pack_bits",
    "quantize",
    "read_artifact_header",
    "save_artifact",
    "unpack_bits",
]
