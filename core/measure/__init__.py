"""Measurement: adaptive latency timing, accuracy metrics, the paper's op classes and per-op profiling.

`timing`, `metrics` and `opclasses` are TensorFlow-free; `profile` imports TensorFlow and runs only in the worker,
so nothing here imports it eagerly.
"""
