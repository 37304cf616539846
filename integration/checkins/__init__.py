"""The client's voice between sessions: check-ins and measures from the private link."""
