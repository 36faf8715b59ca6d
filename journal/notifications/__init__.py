"""Notifications: what is new for a leader or a manager, in the app and by mail.

`kinds.py` the kinds and their settings; `services.py` recording them (`notify`) and each
person's settings. A notification carries no content and no counts.
"""
