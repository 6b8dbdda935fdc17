"""Model compression as the paper does it: affine N-bit weight quantization and magnitude pruning, stored for real.

Bit-packed codes and sparse structures make the artifact on disk actually shrink, so its size is measured, not
estimated. Import the modules themselves (`core.compress.writer`, ...): this package imports nothing, because
the run stage imports its run-side modules (graph loading, `graphcompat`) on the board's Python 3.6, where the
compress side's modules (Keras 3, modern Python) cannot load.
"""
