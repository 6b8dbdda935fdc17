"""The worker process (`python -m core.worker`): the compress stage (modern Keras, registry or user model), the
run stage (Python 3.6-safe: times, traces, evaluates an artifact), and the JSON-lines event protocol they speak."""
