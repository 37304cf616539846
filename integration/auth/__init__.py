"""Practices, users, sign-in, first-run setup and throttling."""
