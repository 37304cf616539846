"""Every fixed text the client reads is plain: Flesch-Kincaid grade 6 or below (textstat, pinned in
requirements-dev.txt). Measured over the PDF templates' own words (Jinja and markup taken out), the private
link's page, the default library (titles, instructions, gentler versions, prompts), the day-of-session
default and the built-in crisis lines."""
import re
from pathlib import Path

import pytest
import textstat

from integration.plans.library import DEFAULT_LIBRARY
from integration.plans.safety import DEFAULT_DAY_OF_SESSION, US_CRISIS_LINES

MAX_GRADE = 6
ROOT = Path(__file__).resolve().parent.parent
CLIENT_TEMPLATES = sorted((ROOT / "templates" / "pdf").glob("*.html")) + [ROOT / "templates/plans/shared_page.html"]


def fixed_text(template: Path) -> str:
    """The words a template prints itself: no Jinja, no tags, no comments; each block ends a sentence."""
    source = template.read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    source = re.sub(r"<(style|script)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"<!--.*?-->", " ", source, flags=re.S)
    blocks = [re.sub(r"\s+", " ", block).strip() for block in re.split(r"<[^>]+>", source)]
    return " ".join(block if block.endswith((".", "?", "!", ":")) else block + "." for block in blocks if block)


@pytest.mark.parametrize("template", CLIENT_TEMPLATES, ids=lambda path: path.name)
def test_the_client_templates_read_at_grade_six_or_below(template):
    text = fixed_text(template)
    if len(text.split()) < 8:
        pytest.skip("too few words of its own to measure")
    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE, text


@pytest.mark.parametrize("row", DEFAULT_LIBRARY, ids=lambda row: row.key)
def test_each_default_practice_reads_at_grade_six_or_below(row):
    for text in (row.instructions, row.gentle, row.prompts.replace("\n", " ")):
        if text:
            assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE, text


def test_safety_defaults_read_at_grade_six_or_below():
    assert textstat.flesch_kincaid_grade(DEFAULT_DAY_OF_SESSION) <= MAX_GRADE
    assert textstat.flesch_kincaid_grade(" ".join(US_CRISIS_LINES)) <= MAX_GRADE


def test_the_measure_can_fail():
    """The instrument itself: a clinical sentence scores far above grade 6."""
    assert textstat.flesch_kincaid_grade(
        "Post-administration dissociative phenomena necessitate comprehensive psychoeducational "
        "interventions regarding psychopharmacological contraindications.") > MAX_GRADE
