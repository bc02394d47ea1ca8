"""Console entry point: ``yc-contracts`` and ``python -m yc_contracts``."""

import os
import sys

from yc_contracts.cli.main import run


def main() -> None:
    """Run the CLI on ``sys.argv`` and exit with its status."""
    try:
        status = run(sys.argv[1:], sys.stdout, sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``yc-contracts openapi | head``): not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = 141
    sys.exit(status)


if __name__ == "__main__":
    main()
