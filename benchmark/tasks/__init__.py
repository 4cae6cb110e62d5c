"""Task metadata: ``spec`` (the declaration types), ``glue``/``superglue`` (the built-in
declarations), ``registry`` (lookup, suites, user tasks) and ``user`` (YAML tasks)."""
