"""Accounts: first account, log in and out, passwords, language and time zone."""
