"""Demo dosing-safety records: every demo client has consent and structured vitals, all in range at
discharge, and a second run adds nothing."""
from sqlalchemy import func, select

from integration import demo
from integration.dosing.checks import impossible, warnings
from integration.dosing.models import AdverseEvent, Consent, ConsentText, VitalsReading
from integration.extensions import db
from integration.notes.models import DosingSession


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in
                 (ConsentText, Consent, VitalsReading, AdverseEvent, DosingSession))


def test_each_demo_client_has_consent_and_structured_vitals_once(app):
    demo.load_demo()
    counts = _counts()
    demo.load_demo()
    assert _counts() == counts

    held = db.session.scalars(select(DosingSession).where(DosingSession.status == "held")).all()
    assert {s.client_id for s in held} == set(db.session.scalars(select(Consent.client_id)))
    for session in held:
        readings = db.session.scalars(select(VitalsReading).where(VitalsReading.dosing_session_id == session.id)
                                      .order_by(VitalsReading.taken_at)).all()
        assert [r.point for r in readings] == ["pre", "during", "discharge"]
        for reading in readings:
            assert not any(impossible(f, getattr(reading, f)) for f in ("systolic", "diastolic", "heart_rate",
                                                                        "spo2", "resp_rate"))
            assert reading.systolic > reading.diastolic
        assert warnings(readings[-1]) == [] and readings[-1].moaas == 5
        assert session.discharge_criteria_met and session.discharged_with and session.discharged_at
        assert not session.notes.startswith("Vitals")
    esketamine = [s for s in held if s.product == "esketamine"]
    assert esketamine and all(s.route == "intranasal" and s.dose_mg in (56, 84) for s in esketamine)
    [planned] = db.session.scalars(select(DosingSession).where(DosingSession.status == "planned")).all()
    assert planned.started_at > max(s.started_at for s in held if s.client_id == planned.client_id)
    assert db.session.scalar(select(func.count(AdverseEvent.id))) == 1
