# tiktok_pipelines — every target sets up what it needs, idempotently, on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
PIP         := $(VENV)/bin/pip
PYTHON_BIN  ?= python3
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export TIKTOK_DATA_DIR ?= $(CURDIR)/data
export OMP_THREAD_LIMIT ?= 1
# dg expects the project's virtual environment to be the active one.
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# libgl1/libglib2.0-0: opencv-python (the build scenedetect requires) links them.
# chromium: the dashboard's browser tests and first-paint benchmark (Playwright drives Debian's build).
APT_PACKAGES := ffmpeg tesseract-ocr tesseract-ocr-eng espeak-ng fonts-dejavu-core fontconfig libgl1 libglib2.0-0 chromium
STAMP_SYS    := $(VENV)/.system-packages
STAMP_VENV   := $(VENV)/.installed

.PHONY: help setup system-packages venv demo test bench calibrate ui dg-check clean-demo

help:
	@echo "make demo   - set everything up and run the account pipeline on the demo world"
	@echo "make test   - set everything up and run the test suite"
	@echo "make ui     - open the Dagster UI (http://127.0.0.1:3000) on the demo data"
	@echo "make bench  - print performance figures as JSON"
	@echo "make calibrate - score the labelled golden set and print per-score MAE with confidence intervals"

# System packages: apt only when something is missing (needs root or sudo).
system-packages:
	@missing=""; \
	for b in ffmpeg ffprobe tesseract espeak-ng fc-match chromium; do command -v $$b >/dev/null || missing="$$missing $$b"; done; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts"; \
	ldconfig -p 2>/dev/null | grep -q "libGL.so.1 " || missing="$$missing libGL"; \
	ldconfig -p 2>/dev/null | grep -q "libgthread-2.0.so.0 " || missing="$$missing glib"; \
	if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then pg="postgresql"; fi; \
	if [ -n "$$missing$$pg" ]; then \
	  echo "installing system packages (missing:$$missing $$pg)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) $$pg >/dev/null; \
	fi

$(STAMP_VENV): pyproject.toml
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@# torch first and alone: torch==2.13.0 resolves to the machine's local CPU build.
	$(PIP) install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "is ignored" || true
	$(PIP) install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import tiktok_pipelines, dagster, torch; assert torch.__version__.startswith('2.13.0')"
	@touch $@

venv: $(STAMP_VENV)

setup: system-packages venv
	@mkdir -p $(DAGSTER_HOME) $(TIKTOK_DATA_DIR)
	@cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: setup
	$(VENV)/bin/tiktok-pipelines demo

ui: setup
	cd $(CURDIR) && $(VENV)/bin/dg dev -h 127.0.0.1 -p 3000

test: setup
	$(VENV)/bin/dg check defs
	$(VENV)/bin/dg list defs > /dev/null
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/bench.py

calibrate: setup
	$(PY) bench/calibrate.py

dg-check: setup
	$(VENV)/bin/dg check defs && $(VENV)/bin/dg list defs

clean-demo:
	rm -rf $(TIKTOK_DATA_DIR) $(DAGSTER_HOME)
