# rebook — two commands on a fresh machine: `make demo` and `make test`.
# Needs Python 3.11+, Java 17+ and Maven; everything else is installed from here.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
REBOOK := $(VENV)/bin/rebook
STAMP := $(VENV)/.installed
PROTOS := $(wildcard proto/rebook/v1/*.proto)
# Tests and the demo run in development mode: the published development secrets are accepted
# there and nowhere else (see docs/security.md).  Production never sets it.
DEV_ENV := REBOOK_ENV=development
GEN_DIR := services/rebook/v1

.PHONY: help venv proto proto-check lint kafka-up kafka-down kafka-wipe test test-unit test-clock-ahead test-ops demo clean

help:
	@echo "make demo        run the main job (storm day end to end)"
	@echo "make test        venv, generated-code check, lint, Kafka up, all tests, Kafka down"
	@echo "make proto       regenerate $(GEN_DIR) from proto/"
	@echo "make kafka-up    start the local Apache Kafka (KRaft) and create topics"
	@echo "make kafka-down  stop it (its topics and data are kept for the next kafka-up)"
	@echo "make kafka-wipe  delete the stopped local broker's data"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	@echo "installing rebook and its dependencies into $(VENV) (about a minute the first time) ..."
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install --progress-bar on -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

# Generated code is committed so that `pip install` from a clone works without protoc;
# proto-check fails the build when it is stale.
define generate
	rm -rf $(1) && mkdir -p $(1)/rebook/v1
	$(PY) -m grpc_tools.protoc -Iproto --python_out=$(1) --pyi_out=$(1) --grpc_python_out=$(1) $(PROTOS)
	touch $(1)/rebook/v1/__init__.py
endef

proto: $(STAMP)
	$(call generate,.run/gen)
	rm -rf $(GEN_DIR) && cp -r .run/gen/rebook/v1 $(GEN_DIR)

proto-check: $(STAMP)
	@$(call generate,.run/gen-check)
	@diff -r -q .run/gen-check/rebook/v1 $(GEN_DIR) >/dev/null || \
	  { echo "services/rebook/v1 is stale: run 'make proto' and commit the result"; \
	    diff -r .run/gen-check/rebook/v1 $(GEN_DIR) | head -20; exit 1; }
	@echo "generated code is up to date"

lint: $(STAMP)
	$(PY) -m ruff check services tests scripts examples
	$(PY) -m ruff format --check services tests scripts examples
	$(PY) -m mypy

kafka-up: $(STAMP)
	$(REBOOK) kafka up

kafka-down: $(STAMP)
	$(REBOOK) kafka down

kafka-wipe: $(STAMP)
	$(REBOOK) kafka wipe

# Runs $(1) with REBOOK_KAFKA_BOOTSTRAP pointing at a broker: the one given, or a local one it
# starts and always stops again.
define with_kafka
	@set -e; \
	if [ -n "$$REBOOK_KAFKA_BOOTSTRAP" ]; then bootstrap="$$REBOOK_KAFKA_BOOTSTRAP"; $(REBOOK) kafka up; \
	else trap '$(REBOOK) kafka down' EXIT; $(REBOOK) kafka up; bootstrap=$$($(REBOOK) kafka bootstrap); fi; \
	$(DEV_ENV) REBOOK_KAFKA_BOOTSTRAP=$$bootstrap $(1)
endef

test: $(STAMP) proto-check lint
	scripts/ensure-prometheus.sh
	$(call with_kafka,$(PY) -m pytest tests $(PYTEST_ARGS))
	@$(MAKE) --no-print-directory test-clock-ahead

# The pure tests again with the wall clock a year ahead: no test may depend on today's date.
# (Only the unit tests: a real broker rejects records time-stamped a year ahead.)
test-clock-ahead: $(STAMP)
	$(DEV_ENV) REBOOK_TEST_CLOCK_SHIFT=365d $(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

test-ops: $(STAMP)
	scripts/ensure-prometheus.sh
	$(call with_kafka,$(PY) -m pytest tests/ops $(PYTEST_ARGS))

test-unit: $(STAMP)
	$(DEV_ENV) $(PY) -m pytest tests/unit $(PYTEST_ARGS)

# Kafka (unless REBOOK_KAFKA_BOOTSTRAP is set) and the four services as processes, the medium
# storm day replayed through the gRPC APIs, live progress and a summary; stops all it started.
demo: $(STAMP)
	$(DEV_ENV) $(REBOOK) demo $(DEMO_ARGS)

clean:
	-$(REBOOK) kafka down
	rm -rf .run $(VENV) .pytest_cache .ruff_cache .hypothesis
