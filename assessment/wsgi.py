"""The WSGI entry point for gunicorn: ``gunicorn assessment.wsgi:app``."""
from assessment.app import create_app

app = create_app()
