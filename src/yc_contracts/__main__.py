"""Console entry point: ``yc-contracts`` and ``python -m yc_contracts``."""

import sys

from yc_contracts._cli import run


def main() -> None:
    """Run the CLI on ``sys.argv`` and exit with its status."""
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))


if __name__ == "__main__":
    main()
