# Container image of the nanomdm server (and the other commands under cmd/).
#
# Build from the repository root, passing the version that -version and
# /version report:
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t nanomdm .
#
# Run with the default filekv storage kept in the /data volume:
#
#   docker run -p 9000:9000 -v nanomdm-data:/data -v "$PWD/ca.pem:/ca.pem:ro" \
#       nanomdm -ca /ca.pem -api "$API_KEY"

# NOTE: go.mod requires Go 1.26.8. The official golang images set
# GOTOOLCHAIN=local, so the build fails on an older 1.26 image instead of
# downloading a newer toolchain; pull the tag again if that happens.
FROM golang:1.26 AS build

WORKDIR /src

# Download modules in their own layer so source edits do not refetch them.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

ARG VERSION=unknown

# A static binary needs no libc, so it runs on the distroless base below.
RUN CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/ ./cmd/... \
    && mkdir /data

FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/ /usr/local/bin/

# The default storage (-storage filekv -storage-dsn dbkv) writes below the
# working directory, so that directory must belong to the non-root user.
COPY --from=build --chown=65532:65532 /data /data
WORKDIR /data
VOLUME /data

USER 65532:65532
EXPOSE 9000
ENTRYPOINT ["/usr/local/bin/nanomdm"]
