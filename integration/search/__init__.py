"""Search across notes and insights, within the clients a user may reach."""
