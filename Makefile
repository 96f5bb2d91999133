# xephang: `make run` sets up and starts the demo server; `make test` sets up and runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
DEB_PACKAGES := chromium espeak-ng sox fonts-noto-core fonts-dejavu-core socat libusb-1.0-0 \
	postgresql redis-server

.PHONY: setup system-deps run test bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test,city]'
	touch $@

# Debian packages the tests use (headless chromium, the voice tools, fonts; PostgreSQL and Redis
# for the city deployment of issue 9). Needs root.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

run: setup
	$(VENV)/bin/xephang run

test: setup system-deps
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench_issue_call.py
