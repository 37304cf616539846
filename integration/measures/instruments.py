"""The measures themselves: the built-in instruments word for word, practice-defined ones, and scoring.

Nothing here touches the database or a request: a `Definition` says what a measure asks, how an
answer scores, how a total reads (its bands) and what raises an alert. Views, charts, alerts and the
demo all read definitions through `definition_for(key, practice_measures)`.

The built-in wording is reproduced exactly as published (PHQ-9 and GAD-7 by Spitzer, Williams, Kroenke
and colleagues; PCL-5 by the National Center for PTSD), with their notices. The C-SSRS is not here: it
needs a licence.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FREQUENCY = (("Not at all", 0), ("Several days", 1), ("More than half the days", 2), ("Nearly every day", 3))
DIFFICULTY = ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult")
PFIZER_NOTICE = ("Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
                 "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or "
                 "distribute.")


@dataclass(frozen=True)
class Band:
    """Totals from `low` (inclusive) up to the next band's `low` read as `label`."""

    low: int
    label: str
    alerts: bool = False  # a total in this band raises a "severe score" alert


@dataclass(frozen=True)
class Definition:
    key: str  # "phq9", "gad7", "pcl5", or "m<id>" for a practice-defined measure
    name: str
    title: str  # the full name
    question: str  # the stem every item answers
    items: tuple[str, ...]
    scale: tuple[tuple[str, int], ...]  # (label, score) for each answer, in order
    bands: tuple[Band, ...] = ()
    notice: str = ""
    rise_alert: int | None = None  # a rise of this many points from the previous total raises an alert
    remission_below: int | None = None  # a total below this reads as remission
    difficulty: bool = False  # ends with the unscored "how difficult" question
    safety_item: int | None = None  # 1-based item whose answer above 0 raises an alert (PHQ-9 item 9)
    built_in: bool = True
    measure_id: int | None = None

    @property
    def max_total(self) -> int:
        return max(score for _, score in self.scale) * len(self.items)

    @property
    def min_total(self) -> int:
        return min(score for _, score in self.scale) * len(self.items)

    def label_of(self, score: int) -> str:
        return next((label for label, value in self.scale if value == score), str(score))

    def band_of(self, total: int) -> Band | None:
        found = None
        for band in self.bands:
            if total >= band.low:
                found = band
        return found

    def band_ranges(self) -> list[tuple[int, int, Band]]:
        """Each band with its highest total: [(low, high, band)]."""
        ranges = []
        for i, band in enumerate(self.bands):
            high = self.bands[i + 1].low - 1 if i + 1 < len(self.bands) else self.max_total
            ranges.append((band.low, high, band))
        return ranges


def score(definition: Definition, answers: list[int]) -> int:
    """The total: the sum of the item scores (every instrument here is sum-scored).

    :raise ValueError: an answer is missing or not on the measure's scale.
    """
    allowed = {value for _, value in definition.scale}
    if len(answers) != len(definition.items) or any(a not in allowed for a in answers):
        raise ValueError("every item needs one answer from the measure's scale")
    return sum(answers)


PHQ9 = Definition(
    key="phq9", name="PHQ-9", title="Patient Health Questionnaire (PHQ-9)",
    question="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    scale=FREQUENCY,
    bands=(Band(0, "Minimal"), Band(5, "Mild"), Band(10, "Moderate"), Band(15, "Moderately severe"),
           Band(20, "Severe", alerts=True)),
    notice=PFIZER_NOTICE, rise_alert=5, remission_below=5, difficulty=True, safety_item=9)

GAD7 = Definition(
    key="gad7", name="GAD-7", title="Generalized Anxiety Disorder 7-item scale (GAD-7)",
    question="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    scale=FREQUENCY,
    bands=(Band(0, "Minimal"), Band(5, "Mild"), Band(10, "Moderate"), Band(15, "Severe", alerts=True)),
    notice=PFIZER_NOTICE, rise_alert=5, remission_below=5, difficulty=True)

# The PCL-5's cut-point: the National Center for PTSD names 31–33 as a reasonable range for probable
# PTSD; we use 33 (its earlier, still most cited proposal), so fewer people read "probable" on a
# borderline total. A screen, not a diagnosis: it raises no "severe" alert by itself. A rise alerts at
# 10 points, the change the National Center calls clinically meaningful (5 is only "reliable").
PCL5_CUT_POINT = 33
PCL5 = Definition(
    key="pcl5", name="PCL-5", title="PTSD Checklist for DSM-5 (PCL-5)",
    question="In the past month, how much were you bothered by:",
    items=(
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "Repeated, disturbing dreams of the stressful experience?",
        "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you "
        "were actually back there reliving it)?",
        "Feeling very upset when something reminded you of the stressful experience?",
        "Having strong physical reactions when something reminded you of the stressful experience (for "
        "example, heart pounding, trouble breathing, sweating)?",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?",
        "Trouble remembering important parts of the stressful experience?",
        "Having strong negative beliefs about yourself, other people, or the world (for example, having "
        "thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, the "
        "world is completely dangerous)?",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving "
        "feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        "Being “superalert” or watchful or on guard?",
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    scale=(("Not at all", 0), ("A little bit", 1), ("Moderately", 2), ("Quite a bit", 3), ("Extremely", 4)),
    bands=(Band(0, "Below the cut-point"), Band(PCL5_CUT_POINT, "Probable PTSD")),
    notice="PCL-5 (Weathers, Litz, Keane, Palmieri, Marx & Schnurr, 2013), National Center for PTSD. "
           "In the public domain.",
    rise_alert=10)

BUILT_IN: dict[str, Definition] = {d.key: d for d in (PHQ9, GAD7, PCL5)}


def custom_definition(measure) -> Definition:
    """A practice-defined measure (a measures.models.Measure row) as a Definition."""
    return Definition(
        key=measure.key, name=measure.name, title=measure.name, question=measure.question or "",
        items=tuple(measure.items), scale=tuple((label, int(value)) for label, value in measure.scale),
        bands=tuple(Band(int(low), label, bool(alerts)) for low, label, alerts in sorted(measure.bands or [])),
        rise_alert=measure.rise_alert, built_in=False, measure_id=measure.id)


def definition_for(key: str, practice_measures: dict[str, object] | None = None) -> Definition | None:
    """The built-in measure with this key, or the practice's own (`practice_measures`: key -> Measure)."""
    if key in BUILT_IN:
        return BUILT_IN[key]
    measure = (practice_measures or {}).get(key)
    return custom_definition(measure) if measure is not None else None


@dataclass(frozen=True)
class Course:
    """How a series of totals reads against its first (the baseline)."""

    baseline: int | None
    latest: int | None
    change: int | None = None
    response: bool = False  # the latest is at least 50 % below the baseline
    remission: bool = False  # the latest is below the measure's remission threshold
    words: list[str] = field(default_factory=list)


def course(definition: Definition, totals: list[int]) -> Course:
    """Response (a drop of at least half from the first score) and remission (PHQ-9, GAD-7: below 5),
    in words as well as flags, for the chart and its table."""
    if not totals:
        return Course(None, None, words=["No scores yet."])
    baseline, latest = totals[0], totals[-1]
    if len(totals) == 1:
        return Course(baseline, latest, 0, words=[f"Baseline {baseline}. One score so far."])
    response = baseline > 0 and latest * 2 <= baseline
    remission = definition.remission_below is not None and latest < definition.remission_below
    words = [f"Baseline {baseline}, latest {latest} ({_signed(latest - baseline)} points)."]
    if remission:
        words.append(f"Remission: below {definition.remission_below}.")
    if response:
        words.append("Response: at least 50 % below the baseline.")
    elif not remission:
        words.append("No response yet: less than 50 % below the baseline.")
    return Course(baseline, latest, latest - baseline, response, remission, words)


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "±0"
