"""The append-only audit log: who looked at or changed what, when, from where."""
