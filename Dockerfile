# syntax=docker/dockerfile:1
# One image for the four services; the command chooses: `rebook detector`, `rebook locator`,
# `rebook optimizer`, `rebook notifier` (also `rebook topics` to create the topics).
# The development tools (services/rebook/tooling) stay out of the image (.dockerignore); nothing
# in the product imports them (tests/unit/test_product_apart.py), and `rebook demo` or any other
# tool answers here with one line saying that the tools are not installed.
# Build:  docker build -t rebook:0.1.0 .
# Runs as the non-root user 10001 with a read-only root filesystem (only /tmp is written).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services ./services
RUN python -m venv /opt/rebook \
 && /opt/rebook/bin/pip install --upgrade pip \
 && /opt/rebook/bin/pip install .

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="rebook" \
      org.opencontainers.image.description="Flight-disruption auto-rebooking: detector, locator, optimizer, notifier" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 rebook \
 && useradd --system --uid 10001 --gid rebook --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin rebook
COPY --from=build /opt/rebook /opt/rebook
ENV PATH=/opt/rebook/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REBOOK_GRPC_HOST=0.0.0.0
# gRPC: detector 50051, locator 50052, optimizer 50053, notifier 50054; /metrics: 9101-9104.
EXPOSE 50051 50052 50053 50054 9101 9102 9103 9104
USER 10001:10001
ENTRYPOINT ["rebook"]
CMD ["--help"]
