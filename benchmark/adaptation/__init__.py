"""Domain adaptation: a finished multi-task run's model trained on a new task with a fraction
of its data (the paper's SciTail/SNLI study). ``python -m benchmark adapt``; docs/results.md,
"Domain adaptation"."""
