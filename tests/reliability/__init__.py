"""Load and fault tests against a real gunicorn server: `make reliability` (not in `make test`)."""
