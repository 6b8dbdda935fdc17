"""Models: `registry` (TensorFlow-free: names, sizes, availability) and `builders` (TensorFlow: load a model)."""
