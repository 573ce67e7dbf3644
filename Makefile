# make run   - set up .venv and serve the page at once while `ingest.py --watch` builds index/ from
#              corpus/ if missing or stale (a long first ingest publishes in steps, which the page
#              picks up) and then keeps it fresh; `make run LIBRARIES=dir` for a folder of libraries,
#              `make run READ_ONLY=1` for a page without upload and removal
# make test  - set up .venv (and headless Chromium), run the test suite
# make check - ruff lint and format check
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
CORPUS ?= corpus
INDEX ?= index
PORT ?= 8501
# A folder of libraries (one subfolder each) instead of CORPUS/INDEX: `make run LIBRARIES=libraries`.
LIBRARIES ?=
ifneq ($(LIBRARIES),)
SOURCE := --libraries $(LIBRARIES)
PAGE_SOURCE := --libraries $(LIBRARIES)
else
SOURCE := --corpus $(CORPUS) --index $(INDEX)
PAGE_SOURCE := --index $(INDEX)
endif
# `make run READ_ONLY=1`: the page offers no upload or removal (a shared deployment).
ifneq ($(READ_ONLY),)
PAGE_SOURCE += --read-only
endif

.PHONY: run test check format index browser bench clean

$(STAMP): requirements.txt requirements-ocr.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-ocr.txt
	touch $(STAMP)

index: $(STAMP)
	$(PY) ingest.py $(SOURCE)

# The watcher runs in the background while the page serves, and is stopped (SIGTERM) when the page
# stops; a background job ignores Ctrl-C, which reaches the page. It builds a missing or stale index
# first; the page waits for its first published step and opens by itself.
run: $(STAMP)
	$(PY) ingest.py $(SOURCE) --watch & watcher=$$!; \
	trap 'kill $$watcher 2>/dev/null; wait $$watcher' EXIT; trap 'exit 130' INT TERM; \
	$(PY) -m streamlit run page.py --server.address localhost --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false -- $(PAGE_SOURCE)

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) $(INDEX)
