# Pre-Exhaust Coach as a container image.
#
# NOT BUILT IN CI: CI has no Docker engine. What matters to the bot is proved there by .ci/wheel-check.sh on
# every run instead: the wheel built with `pip wheel --no-deps` from the source, installed non-editable with
# `pip install "<wheel>[postgres]"` into a fresh environment, and `pre-exhaust-coach` run from a directory
# outside the checkout with its data under COACH_DATA_DIR. Keep this file to exactly that plus plain image
# plumbing (base image, a user, a data directory); anything more would be untested.
#
#   docker build -t pre-exhaust-coach .
#   docker run -d --env-file .env -v coach-data:/data pre-exhaust-coach      # SQLite in the volume
#   docker compose up -d                                                     # with PostgreSQL: compose.yaml

# The Python CI tests with (requires-python is >=3.11).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COACH_DATA_DIR=/data

COPY --from=build /wheels/ /tmp/wheels/
RUN set -eu; \
    wheel="$(echo /tmp/wheels/pre_exhaust_coach-*.whl)"; \
    pip install --no-cache-dir "${wheel}[postgres]"; \
    rm -rf /tmp/wheels

# Not root. /data holds the SQLite database (when DATABASE_URL is unset) and offline-mode files; a named
# volume inherits this ownership, a bind-mounted host directory must be writable by uid 10001.
RUN useradd --create-home --uid 10001 --user-group coach \
    && mkdir -p /data \
    && chown coach:coach /data
# The working directory is the volume too: even a blank COACH_DATA_DIR (falling back to ./data) stays on it.
WORKDIR /data
VOLUME ["/data"]
USER coach

# No port and no HEALTHCHECK: the bot only connects out (to Discord and the database). SIGTERM (docker stop)
# lets it finish replies in flight for up to 8 s before it closes.
CMD ["pre-exhaust-coach"]
