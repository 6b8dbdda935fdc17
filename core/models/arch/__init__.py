"""Builders of the paper's CNNs that keras.applications lacks (Inception v1, v2, v4), one module each."""
