"""``python -m ldsa``: the same as the ``ldsa`` command."""

from ldsa.cli import console_main

console_main()
