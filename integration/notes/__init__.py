"""Dosing sessions, notes (debrief, integration, group), insights and the note lifecycle."""
