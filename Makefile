# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
# On a Raspberry Pi use VENV_FLAGS=--system-site-packages so apt's python3-lgpio,
# python3-pygame (with KMSDRM) and python3-evdev are used.
VENV_FLAGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all demo test lint format bench clean arm-smoke vendor

all: test

$(STAMP): pyproject.toml scripts/system-packages
	./scripts/system-packages
	$(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/kiosk --config config.toml demo

# The tests run in parallel, one worker per core (pytest-xdist): JOBS=1 runs them one by one.
JOBS ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The project on a Pi's architecture, emulated (qemu-user-static): ARCH=arm64 or armhf, as
# root; about 18 minutes, also for both side by side (scripts/arm-smoke says what it does).
ARCH ?= arm64

arm-smoke:
	./scripts/arm-smoke $(ARCH)

# The client libraries central's pages ship, from npm as the lock file pins them (needs npm;
# their copies in kiosk/app/central_web/static/ are committed, so nothing else needs npm).
vendor:
	./scripts/vendor-web

bench: $(STAMP)
	$(BIN)/kiosk --config config.toml bench

clean:
	rm -rf $(VENV) demo-out bench.json .pytest_cache .mypy_cache .ruff_cache
