"""The board side of an artifact: container, tensor decoding, graph building with run-time de-quantization and
GraphDef compatibility. Python 3.6-safe (the TX2's run stage imports it); never imports Keras."""
