# Build, test and try out nanomdm. `make help` lists the targets.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build test quickstart clean help

all: build

## build: compile ./nanomdm and ./nano2nano with the version from git
build:
	go build -ldflags "$(LDFLAGS)" -o nanomdm ./cmd/nanomdm
	go build -ldflags "$(LDFLAGS)" -o nano2nano ./cmd/nano2nano

## test: run the whole test suite with the race detector, as CI does
test:
	go test -race ./...

## quickstart: start a throwaway server and enroll a simulated device
quickstart:
	go run ./tools/quickstart

## clean: remove built binaries and the quickstart directory
clean:
	rm -rf nanomdm nano2nano quickstart

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
