# The `blog` service: built in one stage, run from a small image as a
# non-root user. Templates and static files are compiled into the binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p blog-web --locked \
    && strip target/release/blog

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/blog --create-home blog
COPY --from=build /src/target/release/blog /usr/local/bin/blog
USER blog
WORKDIR /var/lib/blog
ENV BLOG_BIND=0.0.0.0:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/health/ready/ || exit 1
ENTRYPOINT ["/usr/local/bin/blog"]
CMD ["serve"]
