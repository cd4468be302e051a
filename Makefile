# Backpropagation by hand -- course commands.  Only python3 (>= 3.10) and make are assumed.
# .venv is made from PYTHON when given (make test PYTHON=python3.12), else from the interpreter that
# scripts/base_python.py picks: Debian's python3 when it is the same version as python3 on PATH, for it
# is compiled with profile-guided and link-time optimisation (the suite 234-244 s -> 208-215 s), else python3.
ifeq ($(origin PYTHON),undefined)
PYTHON = $(shell python3 scripts/base_python.py)
endif
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo test check release outputs lab clean grade hub hub-down

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	# jsonschema compiles 39 lark grammars on import when rfc3987-syntax is present (an optional
	# format checker pulled in by jupyter-events): 3.3 s at the start of every nbgrader command.
	# Nothing in the course validates IRIs, so it goes.
	$(PY) -m pip uninstall --quiet --yes rfc3987-syntax lark
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## demo: the instructor cycle on demo submissions (release, autograde, feedback, export, table)
demo: $(STAMP)
	bash scripts/system-packages.sh
	bash scripts/node-packages.sh
	$(PY) -m grader.instructor demo

## test: the whole test suite (installs Debian's bubblewrap, chromium and postgresql first when missing)
test: $(STAMP)
	bash scripts/system-packages.sh --tests
	bash scripts/node-packages.sh
	$(PY) -m pytest -n 2

## check: the quick tier for the edit-test loop (toolkit, release sync, one grading round trip; ~1 min)
check: $(STAMP)
	bash scripts/system-packages.sh
	bash scripts/node-packages.sh
	$(PY) -m pytest -m quick -p no:nbval -o addopts="-ra --durations=5 -p no:cacheprovider"

## release: regenerate release/ from source/ with nbgrader generate_assignment
release: $(STAMP)
	$(PY) -m grader.instructor release

## outputs: re-execute source notebooks in place so their stored outputs (checked by nbval) are current
outputs: $(STAMP)
	$(PY) -m grader.instructor outputs

## grade: autograde a whole class in parallel (course/grade.py):
##   make grade A=01_softmax_jacobian [WORKERS=2] [DASK=1 | SCHEDULER=tcp://host:8786] [FORCE=1] [NO_SANDBOX=1]
##   (the gradebook: COURSE_DB_URL, else gradebook.db)
grade: $(STAMP)
	@bash scripts/system-packages.sh
	@bash scripts/node-packages.sh
	@test -n "$(A)" || { echo "PROBLEM: name the assignment: make grade A=01_softmax_jacobian [WORKERS=2]"; exit 2; }
	$(PY) -m grader.grade $(A) $(if $(WORKERS),--workers $(WORKERS)) $(if $(DASK),--dask) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force) $(if $(NO_SANDBOX),--no-sandbox)

## hub: the course on a JupyterHub on this machine (root: creates accounts; hub/course_hub.py); hub-down removes it
hub:
	bash scripts/system-packages.sh
	bash scripts/node-packages.sh
	python3 hub/course_hub.py up

hub-down:
	python3 hub/course_hub.py down

## lab: JupyterLab on the student view (release/), with nbgrader's extension
lab: $(STAMP)
	cd release && ../$(VENV)/bin/jupyter lab

clean:
	rm -rf submitted autograded/*/ feedback gradebook.db grades.csv canvas.csv .grader-cache .pytest_cache
