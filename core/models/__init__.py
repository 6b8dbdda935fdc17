"""Models: `registry` (TensorFlow-free: names, sizes, availability), `catalog`, weights and fetching, user model
files (`user_model`), and the builders (TensorFlow: build or load a model)."""
