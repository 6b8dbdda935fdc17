"""tocompress headless core: specs, models, compression, measurement, telemetry, worker, results.

Never imports textual or rich, so it can be used from a notebook or a plain script (enforced by a test).
"""

__version__ = "0.1.0"
