"""Dosing sessions, notes with their lifecycle, addenda, revisions and insights."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text as sql_text  # (Insight has a column named "text")
from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client, Goal, HistoryItem
from ..clock import utcnow
from ..crypto.columns import EncryptedJSON, EncryptedText
from ..extensions import db, link_table
from . import sections

PRODUCTS = {"racemic": "Racemic ketamine", "esketamine": "Esketamine (Spravato)"}
# Esketamine is a nasal spray of fixed doses (28 mg a device): the label allows 56 or 84 mg a session.
ESKETAMINE_DOSES_MG = (56, 84)
SESSION_STATUSES = {"planned": "Planned", "held": "Held"}
ROUTES = {
    "iv": "IV infusion",
    "im": "IM injection",
    "oral": "Sublingual / oral",
    "intranasal": "Intranasal",
}
NOTE_KINDS = {"debrief": "Post-session debrief", "integration": "Integration session", "group": "Group circle",
              "coaching": "Coaching note", "process": "Private process note"}
NOTE_STATUSES = {"draft": "Draft", "signed": "Signed", "discarded": "Discarded"}
# How long a discarded draft stays offered to its author for restoring (lifecycle.discard).
DISCARD_KEEP_DAYS = 30

dosing_session_practitioner = link_table(
    "dosing_session_practitioner", ("dosing_session_id", "dosing_session.id"), ("user_id", "user.id"),
    index_right=False)
insight_goal = link_table(
    "insight_goal", ("insight_id", "insight.id"), ("goal_id", "goal.id"))
insight_history_item = link_table(
    "insight_history_item", ("insight_id", "insight.id"), ("history_item_id", "history_item.id"))


class DosingSession(db.Model):
    """One medicine session in the client's series."""

    __table_args__ = (UniqueConstraint("client_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    number: Mapped[int]  # place in the client's series, assigned automatically
    started_at: Mapped[datetime]  # naive UTC
    medicine: Mapped[str] = mapped_column(String(60), default="ketamine")
    route: Mapped[str] = mapped_column(String(20))
    dose_mg: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    dose_mg_per_kg: Mapped[float | None] = mapped_column(Numeric(6, 3, asdecimal=False))
    setting: Mapped[str] = mapped_column(String(300), default="")
    intention: Mapped[str] = mapped_column(EncryptedText, default="")
    notes: Mapped[str] = mapped_column(EncryptedText, default="")
    # Dosing safety (migration 0024). Booked ahead, a session is "planned"; recorded, it is "held".
    status: Mapped[str] = mapped_column(String(10), default="held", server_default="held")
    product: Mapped[str] = mapped_column(String(20), default="racemic", server_default="racemic")
    # What the notes said before vitals were structured (the migration moved them here, word for word).
    notes_before_vitals: Mapped[str] = mapped_column(EncryptedText, default="", server_default=sql_text("''"))
    discharge_criteria_met: Mapped[bool] = mapped_column(default=False, server_default=false())
    discharged_at: Mapped[datetime | None]  # naive UTC
    # Who took the client home: a relative's or friend's name, encrypted like contact fields.
    discharged_with: Mapped[str] = mapped_column(EncryptedText, default="", server_default=sql_text("''"))
    # Recorded as held with no consent on file: who confirmed that, and when (the worklist shows it until
    # a consent is recorded).
    without_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    without_consent_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    practitioners: Mapped[list[User]] = relationship(secondary=dosing_session_practitioner, order_by="User.name")
    # Discarded drafts are not among a session's notes (they are out of the record until restored).
    notes_written: Mapped[list[Note]] = relationship(
        primaryjoin="and_(DosingSession.id == Note.dosing_session_id, Note.status != 'discarded')",
        viewonly=True, order_by="Note.id")

    @property
    def route_label(self) -> str:
        return ROUTES.get(self.route, self.route)

    @property
    def product_label(self) -> str:
        return PRODUCTS.get(self.product, self.product)

    @property
    def is_planned(self) -> bool:
        return self.status == "planned"


class LifecycleMixin:
    """What every kind of note shares, so that one lifecycle (notes/lifecycle.py) serves them all:
    client notes and the circle's group note alike.

    `content` holds the note's sections by name (see notes/sections.py). `version` grows by one
    with every accepted save and with signing, and every UPDATE of the row is conditional on the
    version that was read (`WHERE version = :read`): of two saves, or a save and a signature, that
    race each other, exactly one lands and the other gets a conflict (StaleDataError).
    """

    content: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))

    @declared_attr
    def updated_by(cls) -> Mapped[User | None]:
        """Who saved the text as it stands (a conflict message names them, or says it was you)."""
        return relationship(User, foreign_keys=f"{cls.__name__}.updated_by_id", viewonly=True)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}

    @property
    def is_signed(self) -> bool:
        return self.status == "signed"

    def store(self, content: dict) -> None:
        """Put new content in place (a kind that is searched keeps its search text in step)."""
        self.content = content


class RevisionMixin:
    """A kept copy of a note's text: a save refused as stale (so neither text is lost), or signing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    based_on_version: Mapped[int]
    reason: Mapped[str] = mapped_column(String(20))  # "conflict" or "signed"
    content: Mapped[dict] = mapped_column(EncryptedJSON)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def saved_by(cls) -> Mapped[User | None]:
        return relationship(User)


class AddendumMixin:
    """A dated, attributed addition to a signed note, with the reason it was added."""

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def author(cls) -> Mapped[User]:
        return relationship(User)


# Note's links that most notes leave empty: indexed only where set (see Note.__table_args__).
SET_ONLY = ("dosing_session_id", "group_session_id", "cosigner_id")


class Note(LifecycleMixin, db.Model):
    """A clinical note about one client. Drafts autosave; signing locks it; afterwards only addenda."""

    # What the access rule reads of a note (search lists a narrow reader's notes from it alone), and a
    # client's notes by day (the notes list, by keyset; it also serves every lookup by client alone).
    # The mostly empty links (a session, a circle, a co-signer) are indexed where they are set, and only
    # there: a full index answers `IS NULL` too, and statistics sampled by `PRAGMA optimize` made it look
    # cheaper than walking a client's notes (migration 0028).
    __table_args__ = (Index("ix_note_reader", "client_id", "kind", "author_id"),
                      Index("ix_note_client_day", "client_id", "occurred_on", "id"),
                      *(Index(f"ix_note_{name}", name, sqlite_where=sql_text(f"{name} IS NOT NULL"),
                              postgresql_where=sql_text(f"{name} IS NOT NULL")) for name in SET_ONLY))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    dosing_session_id: Mapped[int | None] = mapped_column(ForeignKey("dosing_session.id"))
    # An individual note of kind "group" belongs to the circle session the client attended.
    group_session_id: Mapped[int | None] = mapped_column(ForeignKey("group_session.id"))
    occurred_on: Mapped[date]
    # Lower-cased text of every section, kept in step with `content` for search (encrypted like it).
    search_text: Mapped[str] = mapped_column(EncryptedText, default="")
    # A pre-licensed author's signed note waits for their supervisor's co-signature (lifecycle.cosign).
    cosigner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cosigned_at: Mapped[datetime | None]
    # When its author discarded the draft (status "discarded"); restorable for DISCARD_KEEP_DAYS.
    discarded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The version of the practice's note template it was started from (None: started blank). Its
    # prompts stay the ones of that version, whatever the template becomes later.
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("note_template_version.id"))

    client: Mapped[Client] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys="Note.signed_by_id")
    cosigner: Mapped[User | None] = relationship(foreign_keys="Note.cosigner_id")
    dosing_session: Mapped[DosingSession | None] = relationship()
    group_session = relationship("GroupSession")
    addenda: Mapped[list[Addendum]] = relationship(back_populates="note", order_by="Addendum.created_at")
    insights: Mapped[list[Insight]] = relationship(back_populates="note", order_by="Insight.id")
    revisions: Mapped[list[NoteRevision]] = relationship(back_populates="note", order_by="NoteRevision.id")
    template_version: Mapped[NoteTemplateVersion | None] = relationship()

    @property
    def kind_label(self) -> str:
        return NOTE_KINDS.get(self.kind, self.kind)

    @property
    def is_discarded(self) -> bool:
        return self.status == "discarded"

    @property
    def awaits_cosignature(self) -> bool:
        return self.is_signed and self.cosigner_id is not None and self.cosigned_at is None

    def store(self, content: dict) -> None:
        self.content = content
        self.search_text = sections.search_text(self.kind, content)

    def new_revision(self, **fields) -> NoteRevision:
        return NoteRevision(note=self, client_id=self.client_id, **fields)

    def new_addendum(self, **fields) -> Addendum:
        return Addendum(note=self, client_id=self.client_id, **fields)


class NoteRevision(RevisionMixin, db.Model):
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)

    note: Mapped[Note] = relationship(back_populates="revisions")


class Addendum(AddendumMixin, db.Model):
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)

    note: Mapped[Note] = relationship(back_populates="addenda")


class Insight(db.Model):
    """Something that surfaced in a note, linked to the history and goals it speaks to."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    # Encrypted at rest (integration/crypto/); forms keep them to 1,000 characters.
    text: Mapped[str] = mapped_column(EncryptedText)  # the practitioner's statement
    client_words: Mapped[str] = mapped_column(EncryptedText, default="")  # what client documents use
    # Set by a clinician: the client's words may be shown to the coach and printed in the plan.
    shared_with_coach: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A practitioner confirmed that client_words are the client's own (who and when, kept): only then
    # are they quoted to the client. Cleared whenever the words change.
    words_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    words_confirmed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed from a draft by mistake: out of every page and plan (kept so "Undo" can bring it back).
    removed_at: Mapped[datetime | None]
    # Retracted from a signed note: kept and shown struck through, with the reason, to clinicians;
    # out of the plan builder and the client's plan.
    retracted_at: Mapped[datetime | None]
    retracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    retraction_reason: Mapped[str] = mapped_column(String(300), default="", server_default=sql_text("''"))

    note: Mapped[Note] = relationship(back_populates="insights")
    retracted_by: Mapped[User | None] = relationship(foreign_keys=[retracted_by_id])
    words_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[words_confirmed_by_id])
    themes: Mapped[list[InsightTheme]] = relationship(
        back_populates="insight", cascade="all, delete-orphan", order_by="InsightTheme.theme"
    )
    goals: Mapped[list[Goal]] = relationship(secondary=insight_goal, order_by="Goal.title")
    history_items: Mapped[list[HistoryItem]] = relationship(secondary=insight_history_item,
                                                           order_by="HistoryItem.title")

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None

    @property
    def theme_names(self) -> list[str]:
        return [t.theme for t in self.themes]


class InsightTheme(db.Model):
    """A theme tag on an insight (lower case), one row per tag so pages can filter by it."""

    __table_args__ = (UniqueConstraint("insight_id", "theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    theme: Mapped[str] = mapped_column(String(60), index=True)

    insight: Mapped[Insight] = relationship(back_populates="themes")


# The kinds of note a practice may write templates for: a client's own notes written from the
# record. Not private process notes (the author's alone: nobody else shapes them), nor group notes
# (started from the circle's page, one per member).
TEMPLATE_KINDS = ("debrief", "integration", "coaching")


class NoteTemplate(db.Model):
    """A practice's template for one kind of note: a prompt and starting text per section.

    Editing makes a new version (NoteTemplateVersion); a note keeps the version it started from.
    Templates are archived, never deleted: notes may name them.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    archived_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[NoteTemplateVersion]] = relationship(
        back_populates="template", order_by="NoteTemplateVersion.number")

    @property
    def current(self) -> NoteTemplateVersion:
        return self.versions[-1]

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def kind_label(self) -> str:
        return NOTE_KINDS.get(self.kind, self.kind)


class NoteTemplateVersion(db.Model):
    """One version of a template as it was saved: never changed afterwards.

    `sections` is {section name: {"prompt": str, "start": str}} for the text sections of the kind
    (sections without either are left out).
    """

    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("note_template.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    template: Mapped[NoteTemplate] = relationship(back_populates="versions")
