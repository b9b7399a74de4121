"""The notebooks run headless, top to bottom, and show what they promise."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from conftest import REPO, shared

NOTEBOOKS = REPO / "notebooks"


def execute(name: str) -> nbformat.NotebookNode:
    path = NOTEBOOKS / name
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{name} is committed with outputs"
    # the kernel inherits os.environ, so it uses the session's isolated embedding cache
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                found.append(output.text if kind == "stream" else "")
            elif kind in output.get("data", {}):
                found.append(output.data[kind])
    return [f for f in found if f]


def test_explore_seed_notebook() -> None:
    notebook = execute("explore_seed.ipynb")
    html = "\n".join(outputs(notebook, "text/html"))
    assert 'class="align-beads"' in html  # the Alignment rendered itself
    assert "Putin habe über Transportkapazitäten gesprochen." in html
    assert 'data-flag="duplicate"' in html and 'data-flag="mt_attribution"' in html
    assert len(outputs(notebook, "image/png")) == 1  # the heat map
    assert "<Alignment 'putin_kim_vostochny_2023-09_en-de_deepl'" in "".join(outputs(notebook, "stream"))


def test_evaluate_textberg_notebook() -> None:
    shared("textberg", "test", "test4.defr")
    notebook = execute("evaluate_textberg.ipynb")
    printed = "".join(outputs(notebook, "stream"))
    assert "| strict |" in printed and "| lax |" in printed
    assert "| pair inside a larger gold bead (gold merges what we split) |" in printed  # the error kinds
    assert "95% intervals, bootstrap over" in printed and "- strict F1 0." in printed  # how sure the score is
    html = "\n".join(outputs(notebook, "text/html"))
    assert "<th>where</th>" in html and "<th>de</th>" in html and "<th>fr</th>" in html  # the differences
    assert 'class="align-beads"' in html
    assert len(outputs(notebook, "image/png")) == 1


def test_notebooks_are_the_ones_tested() -> None:
    assert sorted(p.name for p in Path(NOTEBOOKS).glob("*.ipynb")) == ["evaluate_textberg.ipynb", "explore_seed.ipynb"]
