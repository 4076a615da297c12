# The LTI tool as a container image. README, "Running in production", says how to run it.
#
# Stage 1 builds the project's wheel (templates, course, static files, migrations and
# schemas inside it: scormgen.shipped) and installs it with its dependencies into a
# virtual environment. Stage 2 is python:3.11-slim with that environment only: no
# source tree, no compiler, no pip cache; it runs as an unprivileged user.

FROM python:3.11-slim AS builder
WORKDIR /src
COPY pyproject.toml README.md MANIFEST.in build_shipped.py ./
COPY scormgen ./scormgen
COPY lti_tool ./lti_tool
COPY templates ./templates
COPY content ./content
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && python -m venv --without-pip /opt/venv \
 && python -m pip --python /opt/venv/bin/python install --no-cache-dir /wheels/*.whl

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LTI_TOOL_ENV=production
RUN useradd --system --uid 10001 --user-group --home-dir /srv/lti-tool --create-home lti-tool
COPY --from=builder /opt/venv /opt/venv
# The Flask instance folder of the installed package (<prefix>/var/lti_tool-instance) and
# the learners' attached files (ASSIGNMENT_FILES_DIR; a volume in compose.yaml).
RUN mkdir -p /opt/venv/var/lti_tool-instance /var/lib/lti-tool/files \
 && chown lti-tool:lti-tool /opt/venv/var/lti_tool-instance /var/lib/lti-tool/files
USER lti-tool
WORKDIR /srv/lti-tool
EXPOSE 8000
# 200 only when the database is reachable and migrated and Redis answers (lti_tool/health.py).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# The tool logs its own access lines (LOG_FORMAT=json); GUNICORN_CMD_ARGS adds options,
# e.g. GUNICORN_CMD_ARGS="--workers 4".
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "lti_tool:create_app()"]
