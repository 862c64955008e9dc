# Two commands do all set-up: `make run` (app on the shipped corpus) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: install run test browser ingest clean

install: $(STAMP)

# torch first, pinned by constraints.txt to the CPU build on this machine's disk.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[test,eval,scale]'
	touch $@

ingest: install
	$(BIN)/docqa ingest corpus

run: ingest
	$(BIN)/docqa serve --host $(HOST) --port $(PORT)

# Headless Chromium for the browser tests (Playwright's own download fails here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .docqa
