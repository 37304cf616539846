"""The client's record, exported for them (right of access): the page that says what is in it, and the
two downloads (a PDF to read, a FHIR R4 bundle for another system). Each download is one audit row."""
from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from ..audit.log import record
from ..clock import viewer_tz
from ..extensions import db
from ..permissions import client_scoped, reads
from . import fhir, pdf
from .record import gather

bp = Blueprint("exports", __name__)


@bp.route("/clients/<int:client_id>/export")
@client_scoped
@reads("export")
def index(client):
    export = gather(client, current_user)
    return render_template("exports/index.html", client=client, export=export)


@bp.route("/clients/<int:client_id>/export.pdf")
@client_scoped(audit_views=False)
@reads("export")
def record_pdf(client):
    """The PDF, or with ?print=large the same in large print (for a client who reads better so)."""
    export = gather(client, current_user)
    large_print = request.args.get("print") == "large"
    body = pdf.render(export, viewer_tz(), large_print)
    _audit(client, export, "PDF, large print" if large_print else "PDF")
    return _download(body, "application/pdf", _filename(client, export, "large-print.pdf" if large_print else "pdf"))


@bp.route("/clients/<int:client_id>/export.fhir.json")
@client_scoped(audit_views=False)
@reads("export")
def record_fhir(client):
    export = gather(client, current_user)
    body = json.dumps(fhir.bundle(export), ensure_ascii=False, indent=1).encode()
    _audit(client, export, "FHIR R4 bundle")
    return _download(body, "application/fhir+json", _filename(client, export, "fhir.json"))


def _audit(client, export, what: str) -> None:
    """One row per download, with counts (never content): what left the app, and what was held back."""
    held_back = ", ".join(e.what for e in export.excluded if e.count) or "nothing"
    record("record-export", obj=client, client=client,
           detail=f"{what}: {len(export.notes)} signed notes, {len(export.plans)} plans, "
                  f"{len(export.responses)} measures, {len(export.sessions)} dosing sessions "
                  f"({export.reading_count} vitals readings, {export.adverse_event_count} adverse events), "
                  f"{len(export.consents)} consents, {len(export.safety_plans)} safety plan versions, "
                  f"{len(export.checkins)} check-ins; not included: {held_back}")
    db.session.commit()


def _filename(client, export, extension: str) -> str:
    """record-<last name>-<date>.<ext>, in ASCII letters only (a header must not carry anything else)."""
    name = "".join(c for c in client.last_name.lower() if c.isascii() and c.isalnum()) or "client"
    return f"record-{name}-{export.made_at:%Y-%m-%d}.{extension}"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(len(body))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
