# Two commands do all set-up: `make run` (app on the shipped corpus) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: install run test browser ocr ingest clean

install: $(STAMP) ocr

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

# Tesseract with English and Norwegian data for scanned PDFs, and the DejaVu fonts the OCR tests
# render their scans with. Without root it only warns: docqa then reports scans as not OCR'd.
OCR_READY = command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx nor \
	&& test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
ocr:
	@$(OCR_READY) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		tesseract-ocr tesseract-ocr-nor fonts-dejavu-core >/dev/null; } \
		|| echo "warning: could not install tesseract-ocr tesseract-ocr-nor (needs root): scanned PDFs will not be OCR'd" >&2

test: install browser ocr
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .docqa
