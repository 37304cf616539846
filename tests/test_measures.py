"""Measures (issue 12): the instruments' wording and scoring at every band edge, the course in words,
alerts (each trigger, acknowledgement), validation, the chart's data, what is due, the coach's view."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.measures.charts import measure_chart
from integration.measures.due import is_due
from integration.measures.instruments import BUILT_IN, GAD7, PCL5, PHQ9, course, score
from integration.measures.alerts import alerts_for
from integration.measures.models import Measure, MeasureAlert, MeasureResponse
from tests.factories import ClientFactory, DosingSessionFactory, NoteFactory, debrief_content, practice_today


# --- the instruments ------------------------------------------------------------------------------

def test_the_built_in_instruments_have_their_published_shape_and_notices():
    assert (len(PHQ9.items), len(GAD7.items), len(PCL5.items)) == (9, 7, 20)
    assert PHQ9.question == "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    assert PCL5.question == "In the past month, how much were you bothered by:"
    assert PHQ9.scale == (("Not at all", 0), ("Several days", 1), ("More than half the days", 2),
                          ("Nearly every day", 3))
    assert [label for label, _ in PCL5.scale] == ["Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"]
    assert PHQ9.items[8] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert PHQ9.notice.endswith("No permission required to reproduce, translate, display or distribute.")
    assert "public domain" in PCL5.notice and "National Center for PTSD" in PCL5.notice
    assert (PHQ9.max_total, GAD7.max_total, PCL5.max_total) == (27, 21, 80)
    assert not any("C-SSRS" in d.name or "Columbia" in d.title for d in BUILT_IN.values())


@pytest.mark.parametrize("definition, edges", [
    (PHQ9, {0: "Minimal", 4: "Minimal", 5: "Mild", 9: "Mild", 10: "Moderate", 14: "Moderate",
            15: "Moderately severe", 19: "Moderately severe", 20: "Severe", 27: "Severe"}),
    (GAD7, {0: "Minimal", 4: "Minimal", 5: "Mild", 9: "Mild", 10: "Moderate", 14: "Moderate", 15: "Severe",
            21: "Severe"}),
    (PCL5, {0: "Below the cut-point", 32: "Below the cut-point", 33: "Probable PTSD", 80: "Probable PTSD"}),
], ids=lambda value: getattr(value, "key", ""))
def test_every_band_edge(definition, edges):
    assert {total: definition.band_of(total).label for total in edges} == edges


def test_a_score_is_the_sum_of_the_item_scores_and_needs_every_answer():
    assert score(PHQ9, [0, 1, 2, 3, 0, 1, 2, 3, 1]) == 13
    with pytest.raises(ValueError):
        score(PHQ9, [1] * 8)
    with pytest.raises(ValueError):
        score(GAD7, [4] * 7)  # not on the scale


def test_response_and_remission_in_words():
    responded = course(PHQ9, [18, 12, 9])
    assert responded.response and not responded.remission
    assert "Response: at least 50 % below the baseline." in responded.words
    remitted = course(PHQ9, [12, 4])
    assert remitted.response and remitted.remission and "Remission: below 5." in remitted.words
    stuck = course(PHQ9, [17, 16, 18])
    assert not stuck.response and "No response yet: less than 50 % below the baseline." in stuck.words
    assert not course(PCL5, [50, 3]).remission  # the PCL-5 has no remission threshold here


# --- what raises an alert (pure) --------------------------------------------------------------------

def test_item_9_above_zero_raises_an_alert_and_zero_does_not():
    assert [k for k, _ in alerts_for(PHQ9, [0] * 8 + [1], 1, None)] == ["item9"]
    assert alerts_for(PHQ9, [1] * 8 + [0], 8, None) == []


def test_a_severe_score_raises_an_alert():
    assert [k for k, _ in alerts_for(PHQ9, [3] * 6 + [1, 1, 0], 20, None)] == ["severe"]
    assert alerts_for(PHQ9, [3] * 6 + [1, 0, 0], 19, None) == []
    assert [k for k, _ in alerts_for(GAD7, [3, 3, 3, 3, 3, 0, 0], 15, None)] == ["severe"]
    assert alerts_for(PCL5, [4] * 20, 80, None) == []  # a screen's cut-point, not an acuity alert


def test_a_rise_of_five_from_the_previous_score_raises_an_alert():
    assert [k for k, _ in alerts_for(GAD7, [2, 2, 2, 1, 1, 1, 0], 9, previous=4)] == ["rise"]
    assert alerts_for(GAD7, [2, 2, 2, 1, 1, 0, 0], 8, previous=4) == []
    assert alerts_for(PCL5, [1] * 19 + [0], 19, previous=10) == []  # the PCL-5 alerts from 10 points
    assert [k for k, _ in alerts_for(PCL5, [1] * 20, 20, previous=10)] == ["rise"]


# --- due -------------------------------------------------------------------------------------------

def test_when_a_scheduled_measure_is_due():
    today = date(2026, 5, 10)
    assert is_due("weekly", today, None, None) == "no score yet"
    assert is_due("weekly", today, today - timedelta(days=6), None) is None
    assert is_due("weekly", today, today - timedelta(days=7), None)
    assert is_due("monthly", today, today - timedelta(days=29), None) is None
    assert is_due("monthly", today, today - timedelta(days=30), None)
    assert is_due("before_session", today, None, None) is None
    assert is_due("before_session", today, None, today + timedelta(days=3))
    assert is_due("before_session", today, today - timedelta(days=1), today + timedelta(days=3)) is None
    assert is_due("before_session", today, None, today + timedelta(days=8)) is None


# --- entering a measure --------------------------------------------------------------------------

@pytest.fixture
def wren(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Adair")


def _answers(values, measure=PHQ9, **extra):
    data = {f"item_{n}": str(v) for n, v in enumerate(values, start=1) if v is not None}
    return {"taken_on": practice_today().isoformat(), "dosing_session_id": "0", **data, **extra}


def _enter(http, client, values, measure="phq9", **extra):
    return http.post(f"/clients/{client.id}/measures/new?measure={measure}", data=_answers(values, **extra))


def test_a_clinician_enters_a_phq9_stored_item_by_item_with_its_total_and_band(signed_in, wren, therapist):
    response = _enter(signed_in, wren, [1, 2, 1, 1, 0, 2, 1, 1, 0], difficulty="Somewhat difficult")
    assert response.status_code == 302
    stored = db.session.scalar(select(MeasureResponse))
    assert (stored.answers, stored.total, stored.band, stored.difficulty, stored.entered_by_id) == (
        [1, 2, 1, 1, 0, 2, 1, 1, 0], 9, "Mild", "Somewhat difficult", therapist.id)
    page = signed_in.get(f"/clients/{wren.id}/measures").get_data(as_text=True)
    assert "9 <span class=\"muted\">of 27</span>" in page and "Mild" in page
    assert db.session.scalars(select(MeasureAlert)).all() == []


def test_missing_answers_re_render_with_the_typed_answers_kept_and_a_message_at_the_field(signed_in, wren):
    response = _enter(signed_in, wren, [1, 2, None, 1, 0, None, 1, 1, 0])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 items without an answer" in page
    assert 'id="item-3-error" class="field-error">Choose an answer for item 3.' in page
    assert 'id="item-6-error" class="field-error">Choose an answer for item 6.' in page
    assert 'aria-describedby="item-3-error"' in page
    assert 'name="item_2" value="2" checked' in page and 'name="item_7" value="1" checked' in page
    assert db.session.scalars(select(MeasureResponse)).all() == []


def test_an_answer_off_the_scale_is_refused(signed_in, wren):
    assert _enter(signed_in, wren, [1, 2, 9, 1, 0, 1, 1, 1, 0]).status_code == 422


def test_a_measure_links_to_a_session_of_this_client_only(signed_in, wren, therapist):
    session = DosingSessionFactory(client=wren, number=3)
    other = DosingSessionFactory(client=ClientFactory.for_team(therapist), number=1)
    assert _enter(signed_in, wren, [0] * 9, dosing_session_id=str(other.id)).status_code == 422
    assert _enter(signed_in, wren, [0] * 9, dosing_session_id=str(session.id)).status_code == 302
    assert db.session.scalar(select(MeasureResponse)).dosing_session_id == session.id
    page = signed_in.get(f"/clients/{wren.id}/measures").get_data(as_text=True)
    assert "Before session 3" in page


# --- alerts, end to end --------------------------------------------------------------------------

def test_item_9_alert_shows_on_the_overview_and_the_worklist_until_acknowledged_with_a_note(
        signed_in, wren, therapist):
    _enter(signed_in, wren, [0, 0, 0, 0, 0, 0, 0, 0, 2])
    alert = db.session.scalar(select(MeasureAlert))
    assert (alert.kind, alert.is_open) == ("item9", True)
    assert "item 9 answered “More than half the days”" in signed_in.get(f"/clients/{wren.id}").get_data(as_text=True)
    worklist = signed_in.get("/worklist").get_data(as_text=True)
    assert "Alerts to acknowledge" in worklist and "Wren Adair" in worklist

    url = f"/clients/{wren.id}/measures/alerts/{alert.id}/acknowledge"
    refused = signed_in.post(url, data={f"ack{alert.id}-note": "  "})
    assert refused.status_code == 422 and "the note stays with the alert" in refused.get_data(as_text=True)
    assert signed_in.post(url, data={f"ack{alert.id}-note": "Called Wren; safety plan reviewed."}).status_code == 302
    db.session.expire_all()
    alert = db.session.get(MeasureAlert, alert.id)
    assert (alert.acknowledged_by_id, alert.acknowledgement) == (therapist.id, "Called Wren; safety plan reviewed.")
    assert alert.acknowledged_at is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "acknowledge")).object_id == alert.id
    assert "Alerts to acknowledge" not in signed_in.get("/worklist").get_data(as_text=True)
    page = signed_in.get(f"/clients/{wren.id}/measures").get_data(as_text=True)
    assert "Acknowledged by Theo Therapist" in page and "Called Wren; safety plan reviewed." in page

    # A second acknowledgement changes nothing: the first note stays.
    signed_in.post(url, data={f"ack{alert.id}-note": "Again"})
    db.session.expire_all()
    assert db.session.get(MeasureAlert, alert.id).acknowledgement == "Called Wren; safety plan reviewed."


def test_a_severe_score_and_a_rise_raise_alerts_over_http(signed_in, wren):
    _enter(signed_in, wren, [1, 1, 1, 1, 0, 0, 0, 0, 0])  # 4
    _enter(signed_in, wren, [1, 1, 1, 1, 1, 1, 1, 1, 0])  # 8: a rise of 4
    assert db.session.scalars(select(MeasureAlert)).all() == []
    _enter(signed_in, wren, [3, 3, 3, 3, 3, 3, 2, 0, 0])  # 20: severe, and a rise of 12
    assert sorted(a.kind for a in db.session.scalars(select(MeasureAlert))) == ["rise", "severe"]


def test_a_debrief_signed_with_follow_up_needed_raises_an_alert(app, wren, therapist):
    NoteFactory.signed(client=wren, author=therapist, kind="debrief", content=debrief_content())
    assert db.session.scalars(select(MeasureAlert)).all() == []
    note = NoteFactory.signed(client=wren, author=therapist, kind="debrief",
                              content=debrief_content(**{"safety-follow_up": "yes"}))
    [alert] = db.session.scalars(select(MeasureAlert)).all()
    assert (alert.kind, alert.note_id, alert.client_id) == ("follow_up", note.id, wren.id)


# --- the chart's data ----------------------------------------------------------------------------

def test_the_chart_places_points_bands_and_session_markers():
    responses = [MeasureResponse(taken_on=date(2026, 1, 1) + timedelta(days=d), total=t, band=PHQ9.band_of(t).label)
                 for d, t in ((0, 18), (10, 12), (20, 8))]
    chart = measure_chart(PHQ9, responses, [(1, date(2026, 1, 2)), (2, date(2026, 1, 12))])
    assert [p.total for p in chart.points] == [18, 12, 8]
    assert chart.points[0].x == chart.left and chart.points[-1].x == chart.plot_right
    assert chart.points[0].y > chart.top and chart.points[2].y > chart.points[0].y  # lower scores lower down
    assert [(b.label, b.low, b.high) for b in chart.bands] == [
        ("Minimal", 0, 4), ("Mild", 5, 9), ("Moderate", 10, 14), ("Moderately severe", 15, 19), ("Severe", 20, 27)]
    assert sum(b.height for b in chart.bands) == pytest.approx(chart.plot_bottom - chart.top, abs=0.5)
    assert [(m.number, m.day) for m in chart.sessions] == [(1, date(2026, 1, 2)), (2, date(2026, 1, 12))]
    assert chart.sessions[0].x == pytest.approx(chart.left + (chart.plot_right - chart.left) / 20, abs=0.2)
    assert chart.course.response and "Response" in chart.desc


def test_the_measures_page_draws_the_chart_and_a_table_of_the_same_numbers(signed_in, wren):
    DosingSessionFactory(client=wren, number=1, started_at=datetime.now() - timedelta(days=3))
    _enter(signed_in, wren, [2] * 9)
    page = signed_in.get(f"/clients/{wren.id}/measures").get_data(as_text=True)
    assert '<svg viewBox' in page and 'data-total="18"' in page and 'data-session="1"' in page
    assert '<table class="measure-table">' in page and "18 <span class=\"muted\">of 27</span>" in page
    assert "Moderately severe 15–19" in page  # the band in words beside its colour


# --- the coach: the trend, never the items or alerts ----------------------------------------------

def test_the_coach_sees_total_scores_but_never_items_or_alerts(client, auth, signed_in, wren, therapist, coach):
    db.session.add(wren)
    from integration.clients.models import CareTeamMember
    db.session.add(CareTeamMember(client_id=wren.id, user_id=coach.id))
    db.session.commit()
    _enter(signed_in, wren, [0, 0, 0, 0, 0, 0, 0, 0, 3])
    response_id = db.session.scalar(select(MeasureResponse.id))
    auth.logout()
    auth.login(coach)
    page = client.get(f"/clients/{wren.id}/measures").get_data(as_text=True)
    assert 'data-total="3"' in page
    assert 'id="alerts"' not in page and "answered" not in page and "/measures/responses/" not in page
    assert client.get(f"/clients/{wren.id}/measures/responses/{response_id}").status_code == 404
    assert client.get(f"/clients/{wren.id}/measures/new").status_code == 404
    assert "answered" not in client.get(f"/clients/{wren.id}").get_data(as_text=True)
    assert "Alert" not in client.get("/worklist").get_data(as_text=True)


# --- the practice's own measures ------------------------------------------------------------------

def test_an_admin_defines_a_measure_and_a_clinician_enters_it(client, auth, admin, therapist, wren):
    auth.login(admin)
    response = client.post("/measures/practice", data={
        "name": "Sleep check", "question": "Last week:", "items": "I slept well\nI woke rested\n",
        "scale": "Never = 0\nSometimes = 1\nOften = 2", "bands": "0 = Low\n3 = High!", "rise_alert": "2"})
    assert response.status_code == 302
    measure = db.session.scalar(select(Measure))
    assert (measure.items, measure.scale, measure.bands) == (
        ["I slept well", "I woke rested"], [["Never", 0], ["Sometimes", 1], ["Often", 2]],
        [[0, "Low", False], [3, "High", True]])
    auth.logout()
    auth.login(therapist)
    assert client.post(f"/clients/{wren.id}/measures/new?measure={measure.key}",
                       data={"taken_on": practice_today().isoformat(), "dosing_session_id": "0",
                             "item_1": "2", "item_2": "1"}).status_code == 302
    stored = db.session.scalar(select(MeasureResponse))
    assert (stored.total, stored.band, stored.measure_id) == (3, "High", measure.id)
    assert [a.kind for a in db.session.scalars(select(MeasureAlert))] == ["severe"]


def test_a_malformed_scale_is_refused_at_its_field(client, auth, admin):
    auth.login(admin)
    response = client.post("/measures/practice", data={"name": "X", "items": "a", "scale": "Never\nOften = 2"})
    assert response.status_code == 422 and "write each answer as “label = score”" in response.get_data(as_text=True)


def test_only_admins_define_measures(client, auth, therapist):
    auth.login(therapist)
    assert client.get("/measures/practice").status_code == 404
