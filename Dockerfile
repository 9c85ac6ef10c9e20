# syntax=docker/dockerfile:1
# todo-async service image. Build: docker build -t todo-async .
# Run:   docker run -p 5000:5000 todo-async
#        (SQLite in /app/data unless DATABASE_URL and DATABASE_PASSWORD point at PostgreSQL;
#        accounts mode: sign up with POST /api/users, or -e AUTH_MODE=open for one shared list)
# Pinned by digest (Docker Hub's index for the tag): a rebuilt tag cannot change the image
# unnoticed. `make image` builds on a local stand-in where no registry answers (BASE_IMAGE).
ARG BASE_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

# --- builder: resolve and install into a virtualenv that the final stage copies as is ---
FROM ${BASE_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ONLY_BINARY=:all:
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build

# Dependencies first, every one (transitive ones too) pinned with its hashes in the lock
# (`make lock`), so code changes reuse this layer and a changed download fails the build.
# Wheels only (PIP_ONLY_BINARY): no compiler is needed in either stage.
# The build backend, locked too, goes beside the virtualenv, not into it.
COPY requirements.lock build-requirements.lock ./
RUN pip install --require-hashes --requirement requirements.lock \
    && pip install --require-hashes --requirement build-requirements.lock --target /build/backend

COPY pyproject.toml README.md* ./
COPY src ./src
# The package itself is built here with that backend; its .pyc files are compiled now,
# since the container's root filesystem is read-only on ECS.
RUN PYTHONPATH=/build/backend pip install --no-deps --no-build-isolation .

# --- final: the interpreter, the virtualenv, an unprivileged user ---
FROM ${BASE_IMAGE}
# An image is made to be served beyond loopback, so its lists are private by default:
# every todo belongs to an account.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=5000 \
    AUTH_MODE=accounts
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
# The RDS certificate authorities, so that connections to RDS verify its certificate
# (ssl=verify-full, with PGSSLROOTCERT set by the stack in rds mode). No Debian or PyPI package
# ships them: fetched at build time over HTTPS. An empty RDS_CA_BUNDLE_URL leaves them out
# (`make image` where no route out exists; the local stack uses ssl=require).
ARG RDS_CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
RUN mkdir /etc/ssl/rds && if [ -n "$RDS_CA_BUNDLE_URL" ]; then \
        python -c 'import sys, urllib.request; urllib.request.urlretrieve(*sys.argv[1:])' \
            "$RDS_CA_BUNDLE_URL" /etc/ssl/rds/global-bundle.pem; \
    fi
WORKDIR /app
# The default DATABASE_URL (sqlite:///data/todo.db) writes here when no database is given.
RUN mkdir data && chown app:app data
VOLUME /app/data
USER 10001:10001
EXPOSE 5000
# The console script probes /health on $PORT, where `serve` listens: no curl or wget in the
# image. Move the port with PORT (docker run -e PORT=8080), not --port, and both follow.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["todo-async", "healthcheck"]
CMD ["todo-async", "serve", "--host", "0.0.0.0"]
