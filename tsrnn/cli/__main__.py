"""`python -m tsrnn.cli`: the `tsrnn` command."""
from tsrnn.cli import main

main()
