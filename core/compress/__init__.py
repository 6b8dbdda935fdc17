"""The Keras side of compression (modern Python): quantization, pruning, fine-tuning, TFLite forms and the writer.

Bit-packed codes and sparse structures make the artifact on disk actually shrink, so its size is measured, not
estimated. The steps are given their training and calibration samples (core.data.stage_samples loads them for the
compress stage), so this package imports neither core/data nor core/models; the board side that reads an artifact
under Python 3.6 is core/artifact.
"""
