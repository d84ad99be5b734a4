"""Each policy preset has its own letters, following its seed policy, and no letter of a
preset promises a step its policy does not have (every letter is rendered to PDF and the
text read back)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.domain.policy import PRESETS
from attendance_desktop.services.database import open_database
from attendance_desktop.services.letters import letter_layout, template_store
from attendance_desktop.services.letters.letter_templates import DEFAULTS, for_preset
from attendance_desktop.services.school import policy_service
from tests.conftest import HEAD
from tests.services.letters.test_letter_service import EXTRAS, TODAY, build_school, pdf_text

# The letters each seed policy's procedure names (its own, beyond the shared ones).
OWN = {
    "lowther": {"concern_upper_amber", "concern_lower_amber", "concern_red",
                "monitoring_warning", "attendance_panel_invite", "attendance_review_invite",
                "lateness_written_warning", "lateness_panel_invite"},
    "atlp": {"atlp_stage1", "atlp_stage2", "atlp_stage3", "atlp_stage4"},
    "one_page": {"onepage_amber", "onepage_red", "improved_still_concern",
                 "not_improved_meeting"},
    "vale": {"concern_vale_92", "vale_monitoring", "vale_plan_meeting", "vale_congratulations",
             "vale_county_referral", "final_warning"},
    "wessex": {"wessex_contact", "wessex_formal_meeting", "wessex_intervention",
               "wessex_truancy_warning"},
}
# Words that name a step; a preset whose policy lacks the step must not use them.
NO_PANEL = re.compile(r"\bpanel\b|\bgovernor", re.IGNORECASE)
STAGE = re.compile(r"\bStage\s*([1-4])\b")


def _letters(preset: str) -> tuple[str, ...]:
    return for_preset(preset)


def test_each_preset_has_its_own_letters_and_the_shared_ones() -> None:
    shared = {k for k, d in DEFAULTS.items() if not d.presets}
    for name, own in OWN.items():
        mine = set(_letters(name))
        assert own <= mine, (name, own - mine)
        assert shared <= mine, name
        others = set().union(*(v for k, v in OWN.items() if k != name)) - own
        assert not mine & others, (name, mine & others)
    # One page: amber and red letters and its three "next term" letters
    assert {"improved_better_band", "improved_still_concern", "not_improved_meeting"} <= set(
        _letters("one_page"))


def test_policy_steps_name_their_presets_letters() -> None:
    for name, policy in PRESETS.items():
        mine = set(_letters(name))
        keys = {s.letter for s in policy.escalation_stages if s.letter not in ("", "{band}")}
        keys |= {s.letter for s in policy.lateness_steps if s.letter}
        keys |= {t for _b, t in policy.band_letters}
        assert keys <= mine, (name, keys - mine)
        # every concern band has its letter
        concern = {b.key for b in policy.bands if b.concern}
        assert concern - {"speak"} <= set(dict(policy.band_letters)), name
    atlp = PRESETS["atlp"]
    assert [s.letter for s in atlp.escalation_stages] == [
        "{band}", "atlp_stage2", "atlp_stage3", "atlp_stage4"]
    assert dict(atlp.band_letters)["stage1"] == "atlp_stage1"


# session-wide: the slow-first ordering runs the parametrized test apart from the others
@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory, _template_database: Path
             ) -> Callable[[str], dict[str, str]]:
    """`rendered(preset)`: the text of every letter of the preset, rendered to PDF for Cara
    in build_school's school with the preset applied; each preset in a database of its own,
    rendered once per run (several tests read the same preset's letters)."""
    done: dict[str, dict[str, str]] = {}

    def texts(preset: str) -> dict[str, str]:
        if preset not in done:
            paths = resolve_paths(tmp_path_factory.mktemp(preset), environ={})
            assert paths.sqlite_file is not None
            paths.sqlite_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(_template_database, paths.sqlite_file)
            engine = open_database(paths)
            try:
                done[preset] = _render_all(engine, preset, build_school(engine))
            finally:
                engine.dispose()
        return done[preset]

    return texts


def _render_all(engine: Engine, preset: str, school: dict[str, int]) -> dict[str, str]:
    policy_service.apply_preset(engine, HEAD, preset)
    out = {}
    for key in _letters(preset):
        pdf = letter_layout.render_family_letter(engine, key, [school["cara"]], today=TODAY,
                                                  extra=EXTRAS | {"reasons": "A reason."})
        out[key] = pdf_text(pdf)
    return out


@pytest.mark.parametrize("preset", ["atlp", "one_page", "vale", "wessex"])
@pytest.mark.slow
def test_no_letter_promises_a_panel_or_a_governor_the_policy_lacks(rendered,  # type: ignore[no-untyped-def]
                                                                    preset) -> None:
    for key, text in rendered(preset).items():
        assert not NO_PANEL.search(text), (preset, key, NO_PANEL.search(text))
        assert "Cara" in text, key


def test_lowther_letters_keep_its_panel(rendered) -> None:  # type: ignore[no-untyped-def]
    texts = rendered("lowther")
    assert "Attendance Panel Meeting with me and one of our governors" in texts[
        "attendance_panel_invite"]
    assert "Lateness Panel Meeting" in texts["lateness_panel_invite"]


def test_atlp_stage_letters_name_only_their_own_stage(rendered) -> None:  # type: ignore[no-untyped-def]
    texts = rendered("atlp")
    for n in (1, 2, 3, 4):
        text = texts[f"atlp_stage{n}"]
        named = {int(m) for m in STAGE.findall(text)}
        assert named <= {n}, (n, named)
    assert "Early Help meeting" in texts["atlp_stage2"]
    assert "attendance contract" in texts["atlp_stage3"]
    assert "education supervision order" in texts["atlp_stage4"]
    for key, text in texts.items():
        if key not in {"atlp_stage1", "atlp_stage2", "atlp_stage3", "atlp_stage4"}:
            assert not STAGE.search(text), key


def test_one_page_meeting_mentions_a_fine_and_early_help(rendered) -> None:  # type: ignore[no-untyped-def]
    texts = rendered("one_page")
    assert "fine" in texts["not_improved_meeting"]
    assert "Early Help" in texts["not_improved_meeting"]
    assert "offer you a meeting" in texts["onepage_amber"]
    assert "meet you" in texts["onepage_red"]


def test_the_letters_page_lists_the_schools_preset_and_any_letter_its_policy_names(  # type: ignore[no-untyped-def]
        engine) -> None:
    policy_service.apply_preset(engine, HEAD, "atlp")
    keys = [t.key for t in template_store.list_templates(engine)]
    assert keys[:4] == ["atlp_stage1", "atlp_stage2", "atlp_stage3", "atlp_stage4"]
    assert "concern_red" not in keys
    assert "attendance_panel_invite" not in keys
    # a school that kept an older band letter in its policy still sees it
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(
        band_letters=(("stage1", "atlp_stage1"), ("stage2", "concern_red"))))
    assert "concern_red" in [t.key for t in template_store.list_templates(engine)]
    every = template_store.list_templates(engine, every_preset=True)
    assert {t.key for t in every} == set(DEFAULTS)
