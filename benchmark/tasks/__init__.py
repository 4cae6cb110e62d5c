"""Task metadata: ``spec`` (the declaration types), ``glue``/``superglue``/``nli`` (the
built-in declarations), ``registry`` (lookup, suites, user tasks) and ``user`` (YAML tasks)."""
