"""`python -m carecall.cli`: the same as the `carecall` command."""

from carecall.cli import main

main()
