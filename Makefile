.PHONY: run test lint format bench

# Build, migrate, load demo data on first run, serve on http://127.0.0.1:8080
run:
	./scripts/run.sh

# Every test: Swift suites on SQLite and PostgreSQL, browser and accessibility, several nodes, API fuzzing
test:
	./scripts/test.sh

lint:
	swift format lint --strict -r Sources Tests Package.swift

format:
	swift format format -i -r Sources Tests Package.swift
