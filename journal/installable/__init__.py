"""The journal on a phone's home screen: the web app manifest (static/manifest.webmanifest),
its icons (static/icons/, made by tools/make_icons.py) and a service worker that keeps the
static files and an offline page, and nothing a leader wrote."""
