"""Entry point for `python -m benchmark` and the `camtl-bench` console script."""

from benchmark.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
