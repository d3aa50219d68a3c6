# The emulator as a small container image:
#   docker build -t ibemu .
#   docker run --rm -p 127.0.0.1:4700:4700 -p 127.0.0.1:4701:4701 ibemu
# Every setting is an environment variable (IBEMU_*, see
# "emulator serve -h"); flags given after the image name are added to
# "serve" and win over them.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# A static binary: the final image has no C library.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/emulator ./cmd/emulator \
 && mkdir -p /out/data

# distroless/static: CA certificates and /etc/passwd, no shell, no curl.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/emulator /emulator
# A named volume takes the ownership of the image's directory: the
# nonroot user (65532) must own /data to write the database.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Inside the container the server listens on every interface; publish
# the ports on the host's loopback (-p 127.0.0.1:4700:4700).
ENV IBEMU_HTTP=0.0.0.0:4700 \
    IBEMU_GRPC=0.0.0.0:4701 \
    IBEMU_DATA=/data/emulator.db \
    IBEMU_LOG_FORMAT=json
VOLUME /data
EXPOSE 4700 4701
# health reads IBEMU_HTTP and asks the health endpoint on loopback.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["/emulator", "health"]
# No --http/--grpc/--data here: they would override the environment.
ENTRYPOINT ["/emulator", "serve"]
