"""The start page after login."""
