"""The TensorFlow worker process (`python -m core.worker`) and the JSON-lines event protocol it speaks."""
