# One image for every Campfire process (web, platform worker, cpu/gpu workers).
# Build the GPU variant with `--build-arg EXTRAS=gpu` (docker-compose.yml does for `gpu`).
FROM python:3.11-slim-bookworm

ARG EXTRAS=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CAMPFIRE_VAR_DIR=/var/lib/campfire \
    CAMPFIRE_STATIC_ROOT=/app/staticfiles

# `campfire` runs the web and platform services. Execution workers run as root (docker-compose
# `user: root`): the sandbox gives every kernel its own uid from 2000000 up (no passwd entries)
# and needs setpriv, which util-linux (in the base image) provides.
RUN useradd --create-home --uid 10001 campfire \
 && mkdir -p /var/lib/campfire && chown campfire /var/lib/campfire

WORKDIR /app
COPY . /app
# Editable install: settings find templates/ and the tutorials relative to the source tree.
RUN pip install -e ".${EXTRAS:+[$EXTRAS]}" \
 && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0

USER campfire
EXPOSE 8000
CMD ["python", "-m", "uvicorn", "campfire.asgi:application", "--app-dir", "platform", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets-sansio", "--lifespan", "off", "--proxy-headers"]
