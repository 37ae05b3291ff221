"""MkDocs hooks of the tsrnn site: benchmark tables written by the bench's own table scripts, and
figures taken from `bench/results/`, so no figure on the site is pasted by hand.

A page marks a table with `<!-- bench-table: m4_table.py [ARGS] -->`; at build time the hook runs
`python bench/m4_table.py [ARGS]` from the repository root and puts the Markdown table it prints
(its lines starting with `|`) in the marker's place. A script that fails fails the build.
"""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- bench-table: (?P<command>[^>]+?) -->")
FIGURES = {"assets/fan_sp500.png": "bench/results/fan_sp500.png"}


def _table(command: str) -> str:
    script, *arguments = shlex.split(command)
    completed = subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments], cwd=ROOT,
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"bench/{script} {' '.join(arguments)} failed: {completed.stderr.strip()[-400:]}")
    table = [line for line in completed.stdout.splitlines() if line.startswith("|")]
    if not table:
        raise RuntimeError(f"bench/{script} {' '.join(arguments)} printed no Markdown table")
    return "\n".join(table)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace every bench-table marker of the page by the table its script prints."""
    return MARKER.sub(lambda match: _table(match.group("command")), markdown)


def on_files(files, config):
    """Serve the figures of `bench/results/` that pages show, from where the benches wrote them."""
    for destination, source in FIGURES.items():
        files.append(File.generated(config, destination, abs_src_path=str(ROOT / source)))
    return files
