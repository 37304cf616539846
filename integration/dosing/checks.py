"""The clinical checks of the dosing-safety record, in one place: what each product allows, which vitals
cannot be right (refused at the field) and which are possible but out of range (saved, and flagged on the
session page), and whether a client has consent on file."""
from __future__ import annotations

from sqlalchemy import exists, select

from ..extensions import db
from ..notes.models import ESKETAMINE_DOSES_MG, PRODUCTS
from .models import Consent, VitalsReading

# Routes each product may be given by: esketamine is a nasal spray only; racemic ketamine by any of ours.
PRODUCT_ROUTES = {"racemic": ("iv", "im", "oral", "intranasal"), "esketamine": ("intranasal",)}

# field -> (lowest, highest) a reading can be at all. Outside: a typo or a faulty cuff, refused.
POSSIBLE = {"systolic": (50, 300), "diastolic": (20, 200), "heart_rate": (20, 250), "spo2": (50, 100),
            "resp_rate": (4, 60)}
# field -> (warn below, warn at or above): possible, saved, and shown as a warning on the session page.
# Blood pressure from the esketamine label's caution (>140/90 before dosing) and the usual
# hypertensive-urgency line (180/110); SpO2 < 90; heart rate outside 50-120; breathing outside 10-24.
WARN = {"systolic": (90, 180), "diastolic": (50, 110), "heart_rate": (50, 120), "spo2": (90, 101),
        "resp_rate": (10, 25)}
PRE_DOSE_BP = (140, 90)  # before dosing, at or above either: the label says to consider not dosing
LABELS = {"systolic": "Systolic", "diastolic": "Diastolic", "heart_rate": "Heart rate", "spo2": "SpO2",
          "resp_rate": "Breathing rate"}
UNITS = {"systolic": "mmHg", "diastolic": "mmHg", "heart_rate": "/min", "spo2": "%", "resp_rate": "/min"}


def dose_problem(product: str, route: str, dose_mg: float | None, dose_mg_per_kg: float | None) -> tuple[str, str] | None:
    """(field, message) when the product cannot be given this way or at this dose; else None."""
    if product not in PRODUCTS:
        return "product", "Choose racemic ketamine or esketamine."
    if route not in PRODUCT_ROUTES[product]:
        return "route", "Esketamine is given only as a nasal spray: choose Intranasal."
    if product == "esketamine":
        if dose_mg_per_kg is not None:
            return "dose_mg_per_kg", "Esketamine is dosed in mg (56 or 84), not per kg."
        if dose_mg is not None and dose_mg not in ESKETAMINE_DOSES_MG:
            return "dose_mg", "Esketamine is 56 mg (two devices) or 84 mg (three devices)."
    return None


def impossible(field: str, value: int | None) -> str | None:
    """The message for a reading that cannot be right, or None."""
    if value is None or field not in POSSIBLE:
        return None
    low, high = POSSIBLE[field]
    if field == "spo2" and value > 100:
        return "SpO2 cannot be above 100%."
    if not low <= value <= high:
        return f"{LABELS[field]} of {value} {UNITS[field]} cannot be right: check the reading ({low}–{high})."
    return None


def warnings(reading: VitalsReading) -> list[str]:
    """What is out of range on a reading, in words for the session page (empty when all is in range)."""
    found = []
    for field, (below, above) in WARN.items():
        value = getattr(reading, field)
        if value is None:
            continue
        if value < below:
            found.append(f"{LABELS[field]} low: {value} {UNITS[field]}")
        elif value >= above:
            found.append(f"{LABELS[field]} high: {value} {UNITS[field]}")
    if reading.point == "pre" and (reading.systolic >= PRE_DOSE_BP[0] or reading.diastolic >= PRE_DOSE_BP[1]):
        if not any(w.startswith(("Systolic high", "Diastolic high")) for w in found):
            found.append(f"Blood pressure before dosing: {reading.systolic}/{reading.diastolic} mmHg, "
                         f"at or above {PRE_DOSE_BP[0]}/{PRE_DOSE_BP[1]}")
    if reading.moaas is not None and reading.moaas <= 2:
        found.append(f"Deep sedation: MOAA/S {reading.moaas}")
    return found


def consent_on_file(client_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Consent.client_id == client_id))))


def clients_with_consent():
    """A select of the client ids that have a consent on file (for the worklist's one query)."""
    return select(Consent.client_id)
