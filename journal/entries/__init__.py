"""The journal: entries tagged with the framework's tasks."""
