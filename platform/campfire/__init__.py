"""Campfire's Django project package (settings, urls, ASGI/WSGI entry points, Celery app)."""
