# Build a small image of the emulator. The server listens on all
# interfaces inside the container; publish the ports to loopback.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/emulator ./cmd/emulator && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/emulator /emulator
# A named volume takes the ownership of the image's directory: the
# nonroot user must own /data to write the database.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
EXPOSE 4700 4701
ENTRYPOINT ["/emulator", "serve", "--http", "0.0.0.0:4700", "--grpc", "0.0.0.0:4701", "--data", "/data/emulator.db"]
