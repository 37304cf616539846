"""Signals through which each area contributes to pages that gather from many areas.

The client's overview (timeline, "needs attention") and the goal and history pages are built in
`clients/`, which sits below the areas that write notes, insights and circles. Rather than reach up
into them, it sends a signal and each area answers with its part (indico's pattern). An area
connects its receivers in its `record.connect()`, called once from create_app().

Every receiver gets the client as the sender and returns a list (or a dict, for counts).
"""
from blinker import Namespace

_signals = Namespace()

timeline = _signals.signal("timeline", doc="""The record's newest events of one area.
kwargs: tz_name, limit. Returns list[clients.record.Entry], newest first, at most `limit`.""")

attention = _signals.signal("attention", doc="""What needs doing on the record, from one area.
kwargs: tz_name, today. Returns list[clients.record.Attention].""")

linked_insights = _signals.signal("linked-insights", doc="""Insights linked to a goal or a history item.
kwargs: goal=None, history_item=None. Returns list of insights, newest first.""")

insight_counts = _signals.signal("insight-counts", doc="""How many insights link to each goal or history item.
kwargs: of ("goal" or "history"). Returns dict[id, count].""")

client_names = _signals.signal("client-names", doc="""Names of a practice's clients, for pages below clients/.
Sender: the practice id. kwargs: ids (a set) or name_contains (text). Returns dict[id, full name].""")

note_signed = _signals.signal("note-signed", doc="""A note was just signed (flushed, not committed).
Sender: the note (a client Note or a circle's GroupNote). Receivers add to the same transaction.""")

worklist = _signals.signal("worklist", doc="""What waits for the signed-in practitioner, across clients.
Sender: the user. kwargs: scopes (list of (reader, select of client ids), from reading_scopes()),
today. Returns list[worklist.WorkItem]. A fixed number of queries however many clients.""")


def gather(signal, sender, **kwargs) -> list:
    """Every receiver's list, joined."""
    return [item for _, answer in signal.send(sender, **kwargs) for item in answer]


def merged(signal, sender, **kwargs) -> dict:
    """Every receiver's dict, merged."""
    out: dict = {}
    for _, answer in signal.send(sender, **kwargs):
        out.update(answer)
    return out

audit_objects = _signals.signal("audit-objects", doc="""Words for the objects audit rows name, by kind and date only
(never clinical words: the audit log keeps none). Sender: the object type (AuditEvent.object_type, e.g. "note");
kwargs: ids (a set), practice_id. Returns dict[id, words], e.g. "the note of Nov 28 (post-session debrief)".""")
