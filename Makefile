# Aliases of the README's two commands, plus a few conveniences.
.PHONY: run test lint format messages clean

run:
	./run

test:
	./test

lint:
	./scripts/bootstrap.sh >/dev/null; .venv/bin/ruff check . && .venv/bin/ruff format --check .


messages:
	./scripts/messages.sh

clean:
	rm -rf .venv data
