"""Reading a result: the result file (versioned, atomic), which runs to compare, comparison rows, the verdict
sentence and the wording of what was done; pure functions over result dicts, no processes."""
