# Quick start: `make report` (the main job) and `make test` (everything).
SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.cache/collections
export ANSIBLE_HOME := $(CURDIR)/.cache/ansible-home
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.cache/ansible-tmp
REPORT_DIR ?= $(CURDIR)/reports
# `make report INVENTORY=path/to/fleet.yml` reports on a real fleet; the default is this machine.
INVENTORY ?= $(CURDIR)/inventory/localhost.yml

.PHONY: setup setup-dev setup-test report test bootstrap-tests lint sanity units matrix functional integration molecule demo bench property-long clean

# What `make report` needs and nothing more: ansible-core and the modules' libraries.
setup:
	@scripts/bootstrap venv report
	@scripts/bootstrap collection

# The test tool chain (molecule, ansible-lint, ansible-builder, the `ansible` bundle, ...).
setup-dev:
	@scripts/bootstrap venv dev
	@scripts/bootstrap collection

# What the tests need besides the tool chain: Debian packages, and a managed host's Python 3.13
# (its ssl offers the chain a server sent: tests/functional/test_clock_facts_chain.py runs clock_facts there).
setup-test: setup-dev
	@scripts/bootstrap apt tests/apt-packages.txt
	@scripts/bootstrap target-python 3.13

report: setup
	ansible-playbook -i $(INVENTORY) playbooks/report.yml -e gotime_report_dir=$(REPORT_DIR)

test: lint sanity units matrix bootstrap-tests functional integration molecule

lint: setup-dev
	ansible-lint --offline

sanity: setup-dev
	scripts/ansible-test sanity --venv --python 3.11 --color no

units: setup-test
	scripts/loopback-dns pytest -q tests/unit

# Units and sanity on the older ansible-core series (tests/matrix/ansible-core.txt),
# one venv each; the main series is what `units` and `sanity` run on .venv.
matrix: setup-test
	scripts/test-matrix

# The set-up scripts themselves: interpreter choice, and a fresh copy's lean `make report`
# (pip reaches the package index, so this runs outside scripts/loopback-dns; the report it
# runs is given an inventory whose only time source is a chronyd on loopback).
bootstrap-tests: setup-test
	pytest -q tests/bootstrap

functional: setup-test
	scripts/loopback-dns pytest -q tests/functional

integration: setup-test
	scripts/loopback-dns scripts/ansible-test integration --local --python 3.11 --color no

molecule: setup-test
	scripts/molecule-test

# A lab fleet on 127.0.0.1 (real chronyd with skews, TLS servers) and its report: every verdict, offline.
demo: setup-test
	$(BIN)/python tests/lab/fleet_lab.py --keep

# Side-by-side benchmarks (root: chronyd on 127.0.0.2-5 port 123).
bench: setup-test
	scripts/loopback-dns $(BIN)/python bench/clock_facts_vs_ntpdate.py
	scripts/loopback-dns $(BIN)/python bench/guard_vs_ntpdate.py --out bench/results/guard_vs_ntpdate.json
	scripts/loopback-dns $(BIN)/python bench/go_env_bench.py
	scripts/loopback-dns $(BIN)/python bench/report_bench.py --out bench/results/report_bench.json
	$(BIN)/python bench/display_text_bench.py
	scripts/loopback-dns $(BIN)/python bench/report_cache_bench.py --out bench/results/report_cache_bench.json

# go_env's property test with 500 random sequences instead of make test's 10 (minutes; for the benchmark machine).
property-long: setup-test
	GO_ENV_PROPERTY_EXAMPLES=500 scripts/loopback-dns pytest -q tests/functional/test_go_env_property.py \
		-k random_sequences --hypothesis-show-statistics

clean:
	rm -rf .cache tests/output
