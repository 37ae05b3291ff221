"""The manual holds together: the README fits on a screen and points into `docs/`, every page the
site's navigation names exists, and every benchmark table a page shows is printed by its bench
script from the committed result files (`mkdocs build --strict`, run by CI, checks links too)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_readme_fits_on_a_screen_and_names_pages_that_exist():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert 'pip install -e ".[dev]"' in readme and "python -m pytest -q" in readme
    for page in re.findall(r"`(docs/[\w/.-]+\.md)`", readme):
        assert (ROOT / page).is_file(), page


def test_every_page_of_the_navigation_exists():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    pages = _nav_pages(config["nav"])
    assert "reference/api.md" in pages and "reference/cli.md" in pages
    for page in pages:
        assert (ROOT / "docs" / page).exists(), page


def test_every_benchmark_table_on_the_site_comes_from_its_bench_script():
    markers = [match for page in (ROOT / "docs").rglob("*.md")
               for match in re.findall(r"<!-- bench-table: ([^>]+?) -->", page.read_text())]
    assert any(marker.startswith("m4_table.py") for marker in markers)
    for marker in markers:
        script, *arguments = marker.split()
        printed = subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
        assert any(line.startswith("| ") for line in printed.splitlines()), marker


def test_the_api_reference_renders_every_public_class_and_function():
    """Every class and function that `tsrnn` or a subpackage declares in `__all__` has its `:::`
    entry in `docs/reference/api.md` (mkdocstrings renders it from the docstring)."""
    from tests.test_docstrings import PACKAGES, public_api

    page = (ROOT / "docs" / "reference" / "api.md").read_text()
    entries = set(re.findall(r"^::: ([\w.]+)$", page, flags=re.MULTILINE))
    public = {name for name in public_api() if name.count(".") and name.rsplit(".", 1)[0] not in public_api()}
    assert len(PACKAGES) == 8 and len(public) > 80
    assert not sorted(public - entries), sorted(public - entries)


def test_the_dev_extra_installs_jupyter_and_the_docs_say_how_to_run_the_notebooks():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert "jupyterlab" in config["options.extras_require"]["dev"]
    assert "jupyter lab notebooks/" in (ROOT / "docs" / "guide" / "backtests.md").read_text()
    assert "jupyter lab notebooks/" in (ROOT / "README.md").read_text()
