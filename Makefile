# Two entry points for users: `make demo` (the main job) and `make test` (every test).
# Everything else here is a step they depend on.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the tests need (real broker, real browser, ...); installed by `make test`.
TEST_APT_PACKAGES ?= mosquitto mosquitto-clients chromium
# Front-end packages of the console (uPlot, coastlines), from the npm registry; never committed.
WEB := gcs/console/web
WEB_STAMP := $(WEB)/node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint unit system-deps venv web clean bench

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

system-deps:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check gcs firmware_sim tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: $(STAMP)
	$(PY) -m pytest -q --durations=25

test: system-deps $(STAMP) $(WEB_STAMP) lint unit

# The nominal hop: simulator processes, ground station and console (http://127.0.0.1:8080, user
# `demo`, password `demo`, made for the demo only); Ctrl-C after the verdict.
demo: $(STAMP) $(WEB_STAMP)
	$(PY) -m gcs sitl

bench: $(STAMP)
	$(PY) -m bench codec

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
