# Two commands do all set-up on a fresh clone with only python3:
#   make demo   - suggest codes for the bundled example note
#   make test   - run the whole test suite
# Both create .venv and install the project (pinned by constraints.txt) when missing.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench train install clean-venv

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/suggester suggest examples/daily_note.txt --payer medicare

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/run_bench.py

train: $(STAMP)
	$(VENV)/bin/suggester train

clean-venv:
	rm -rf $(VENV)
