# threadchat: the two commands a newcomer needs are `make run` and `make test`.

CARGO ?= cargo
# Extra flags for the server, e.g. `make run ARGS="--http 0.0.0.0:8080 --ws 0.0.0.0:8081"`.
ARGS ?=

.PHONY: run test lint test-rust test-browser bench clean

## run: build an optimized server and start it; it prints the page URL to open.
run:
	$(CARGO) build --release
	./target/release/threadchat $(ARGS)

## test: formatting, lints, every Rust test, then the browser tests in headless Chromium.
test: lint test-rust test-browser

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

test-rust:
	$(CARGO) test

## test-browser: installs playwright-core from the lockfile, and Debian's chromium if missing.
test-browser:
	$(CARGO) build
	bash tests/browser/run.sh

## bench: the load generator against a fresh release build (about 10 minutes; BENCH_QUICK=1 for about one),
## then what the web page costs a browser (benches/page/page.mjs, in headless Chromium).
bench:
	$(CARGO) build --release
	$(CARGO) bench --bench loadgen
	THREADCHAT_BIN=$(CURDIR)/target/release/threadchat bash tests/browser/run.sh --bench

clean:
	$(CARGO) clean
	rm -rf tests/browser/node_modules
