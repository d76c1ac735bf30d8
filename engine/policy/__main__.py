"""`python -m engine.policy FILES`: the due-process lint from the command line."""
import sys

from engine.policy.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
