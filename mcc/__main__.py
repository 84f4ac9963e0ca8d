"""``python -m mcc``: the same as the ``mcc`` command."""

from mcc.cli import main

main()
