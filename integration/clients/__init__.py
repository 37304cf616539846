"""Clients, their care teams, and the one access rule for everything client-scoped."""
