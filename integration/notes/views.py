"""Dosing sessions, notes and insights pages (all client-scoped)."""
from flask import Blueprint

bp = Blueprint("notes", __name__, url_prefix="/clients/<int:client_id>")
