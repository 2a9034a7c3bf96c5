"""The notebooks in notebooks/: committed without outputs, and each runs top to bottom without an error."""

import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["01_training_data.ipynb", "02_model_evaluation.ipynb", "03_missed_charges.ipynb"]


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_stripped(name):
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(book)
    assert book.metadata["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(book.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name} cell {i} has outputs: strip them"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name):
    from nbclient import NotebookClient

    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    # the kernel must be this interpreter (the project's .venv), not another Python on the machine
    book.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(book, kernel_name="python3", timeout=300, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    printed = "".join(o.get("text", "") for o in book.cells[-1].outputs).strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()
    for i, cell in enumerate(book.cells):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{name} cell {i}: {out.get('ename')}: {out.get('evalue')}"
