# make run   - set up .venv, build index/ from corpus/ if missing or stale, serve the page
# make test  - set up .venv (and headless Chromium), run the test suite
# make check - ruff lint and format check
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
CORPUS ?= corpus
INDEX ?= index
PORT ?= 8501

.PHONY: run test check format index browser bench clean

$(STAMP): requirements.txt requirements-ocr.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-ocr.txt
	touch $(STAMP)

index: $(STAMP)
	$(PY) ingest.py --corpus $(CORPUS) --index $(INDEX)

run: index
	$(PY) -m streamlit run app.py --server.address localhost --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false -- --index $(INDEX)

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
