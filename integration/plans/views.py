"""Practice library, plan builder, preview, delivery and the client's share link."""
from flask import Blueprint

bp = Blueprint("plans", __name__)
