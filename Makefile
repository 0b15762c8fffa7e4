# Two commands on a fresh clone: `make demo` runs the check on examples/, `make test` runs the tests.
# Both create the virtual environment .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs fuzz mutate clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,parquet,fast,attest]'
	touch $@

demo: $(VENV)/.installed
	@echo '$$ qa-provenance check --root examples -v'
	@$(BIN)/qa-provenance check --root examples -v; status=$$?; \
	  echo "(exit code $$status: the examples fail on purpose for QP001, QP003, QP010 and QP011)"
	@echo
	@echo '$$ qa-provenance spot-check --root examples   # the embedded local verifier, no server'
	@$(BIN)/qa-provenance spot-check --root examples; status=$$?; \
	  echo "(exit code $$status: 4 files fail their spot check: data/landmarks_unverified.jsonl on" \
	    "purpose; every example file is small, so each is checked whole and passes only with fewer" \
	    "flags than 5% of its records, i.e. none: one answer the local check cannot ground fails" \
	    "faq.csv, edited_after_review.jsonl and rag_eval.jsonl too)"

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check provenance tests tools bench hatch_build.py
	$(BIN)/mypy

# The documentation site (docs/, mkdocs.yml) into site/; --strict turns a broken link into an error.
# NO_MKDOCS_2_WARNING silences Material's end-of-life banner, which is not about this build.
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

# Fuzz the record readers and the provenance loader (fuzz/fuzz_readers.py) for FUZZ_SECONDS:
# atheris when it installs (crashing inputs land in fuzz/crashes/), else the hypothesis byte fuzzer.
FUZZ_SECONDS ?= 600
fuzz: $(VENV)/.installed
	@$(BIN)/python -c 'import atheris' 2>/dev/null || $(BIN)/python -m pip install --quiet atheris \
	  || echo 'atheris did not install: falling back to the hypothesis byte fuzzer'
	$(BIN)/python fuzz/fuzz_readers.py --seconds $(FUZZ_SECONDS)

# Mutation testing of the rule modules (tools/mutate.py, docs/mutation.md): slow, a developer
# tool, not part of CI. MUTATE_ARGS="--max-mutants 150" samples; "per_record" picks a module.
MUTATE_ARGS ?= --jobs 2
mutate: $(VENV)/.installed
	@$(BIN)/python -c 'import coverage' 2>/dev/null || $(BIN)/python -m pip install --quiet 'coverage>=7.10'
	$(BIN)/python tools/mutate.py $(MUTATE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .mutate site
	rm -f provenance/contamination/_fastpass*.so provenance/contamination/_fastpass*.pyd
