# Build, test and try out nanomdm. `make help` lists the targets.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build test quickstart clean help

all: build

## build: compile ./nanomdm and ./nano2nano with the version from git
build:
	go build -ldflags "$(LDFLAGS)" -o nanomdm ./cmd/nanomdm
	go build -ldflags "$(LDFLAGS)" -o nano2nano ./cmd/nano2nano

## test: run every test with the race detector, SQL backends included, as CI does
test:
	bash .ci/test

## quickstart: start a throwaway server and enroll a simulated device
quickstart:
	go run ./tools/quickstart

## clean: remove built binaries and the quickstart directory
clean:
	rm -rf nanomdm nano2nano quickstart

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

# Release builds: static binaries for the platforms NanoMDM publishes.

RELEASE_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
RELEASE_COMMANDS := nanomdm nano2nano
DIST := dist

.PHONY: release release-clean docker

## release: cross-compile static nanomdm and nano2nano for every release platform into dist/, with SHA256SUMS
release: release-clean
	@mkdir -p $(DIST)
	@set -e; for platform in $(RELEASE_PLATFORMS); do \
		os=$${platform%/*}; arch=$${platform#*/}; ext=; \
		if [ "$$os" = windows ]; then ext=.exe; fi; \
		for cmd in $(RELEASE_COMMANDS); do \
			out=$(DIST)/$$cmd-$$os-$$arch$$ext; \
			echo "building $$out ($(VERSION))"; \
			CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath \
				-ldflags "-s -w $(LDFLAGS)" -o $$out ./cmd/$$cmd; \
		done; \
	done
	cd $(DIST) && sha256sum * > SHA256SUMS

## release-clean: remove dist/
release-clean:
	rm -rf $(DIST)

## docker: build the container image nanomdm:$(VERSION) from the Dockerfile
docker:
	docker build --build-arg VERSION=$(VERSION) -t nanomdm:$(VERSION) .
