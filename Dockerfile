# Builds the oneroster binary and runs it on a slim base.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin oneroster

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/oneroster --create-home oneroster
COPY --from=build /src/target/release/oneroster /usr/local/bin/oneroster
USER oneroster
WORKDIR /var/lib/oneroster
EXPOSE 8080
ENTRYPOINT ["oneroster"]
CMD ["serve"]
