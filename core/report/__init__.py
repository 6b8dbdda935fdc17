"""Reading a result: the result file (versioned, atomic), which runs to compare, comparison rows, the verdict
sentence and the words for what was done, the weights and a busy machine; pure functions over result dicts."""
