"""Reports from result records: the paper's tables, claims checklist, plots, HTML, exports.

Reads records only (``benchmark.results.frame.load_results``), never a model or a
dataset, so a report can be rebuilt anywhere the JSON files are. Submodules are
imported on demand: ``reports.tables`` (pandas tables), ``reports.claims``,
``reports.plots`` (matplotlib), ``reports.html`` (jinja2 pages), ``reports.exports``
(Markdown, LaTeX, CSV) and ``reports.leaderboard``.
"""
