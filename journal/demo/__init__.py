"""Demo data: Danish leaders with years of journal, goals, manager links and shares.

Used by `flask --app wsgi demo-data` (trying the app) and by the page benchmark.
"""
