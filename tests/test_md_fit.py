"""Markdown reviews under a character budget: the least important blocks go first.

GitHub refuses comments over 65,536 characters; `tfgen plan --format markdown
--max-chars N` must stay within N with the problems (why the exit code is not 0) and
the risks kept as long as anything is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE
from tfgen.cli import main
from tfgen.cli.apply import markdown_comment
from tfgen.cli.multi import _Env, _worst, summary_line
from tfgen.deploy.saved_plan import PlanRecord
from tfgen.deploy.workflow import PlanResult
from tfgen.project import render_blueprint
from tfgen.review import md_fit
from tfgen.review.consent import ConsentCheck, StatefulDestroy
from tfgen.review.diff import diff_sides
from tfgen.review.diff_report import to_markdown
from tfgen.review.plan_review import review


def _sections() -> list[md_fit.Section]:
    return [md_fit.Section("Infrastructure", [(md_fit.ADD, "A" * 300 + "\n"),
                                              (md_fit.DESTROY, "D" * 300 + "\n")]),
            md_fit.Section("Risks", [(md_fit.RISKS, "R" * 300 + "\n")], open=True),
            md_fit.Section("Stage narrative", [(md_fit.NARRATIVE, "N" * 300 + "\n")])]


def test_fit_keeps_everything_that_fits() -> None:
    text = md_fit.fit("# head\n", _sections(), 10_000)
    assert all(ch * 300 in text for ch in "ADRN") and "Truncated" not in text
    assert text.index("A" * 300) < text.index("R" * 300) < text.index("N" * 300)


def test_fit_drops_the_least_important_first_and_keeps_the_order() -> None:
    full = len(md_fit.fit("# head\n", _sections(), 10_000))
    text = md_fit.fit("# head\n", _sections(), full - 50)  # one block must go
    assert "N" * 300 not in text and "Stage narrative" not in text  # its section too
    assert all(ch * 300 in text for ch in "ADR")
    assert "1 block(s) left out" in text
    text = md_fit.fit("# head\n", _sections(), 1000)  # two (and the note) must go
    assert "A" * 300 not in text and "N" * 300 not in text
    assert text.index("D" * 300) < text.index("R" * 300) and len(text) <= 1000
    assert text.count("<details") == text.count("</details>") == 2


def test_fit_puts_back_what_fits_after_a_big_block_went() -> None:
    sections = [md_fit.Section("Risks", [(md_fit.RISKS, "R" * 3000 + "\n")], open=True),
                md_fit.Section("Stage narrative", [(md_fit.NARRATIVE, "N" * 100 + "\n")])]
    text = md_fit.fit("# head\n", sections, 1000)  # the risks can never fit
    assert "N" * 100 in text and "R" * 100 not in text and "1 block(s) left out" in text


def test_review_markdown_keeps_risks_when_cut_hard() -> None:
    report = diff_sides(f"{EXAMPLE}@aws", f"{EXAMPLE}@cdn")
    assert report.risks and report.narrative
    md = to_markdown(report, limit=6000)
    assert len(md) <= 6000
    assert "<summary>Risks" in md and "<summary>Blueprint changes" in md
    assert "Stage narrative" not in md and "Architecture before" not in md
    assert "(the least important first)" in md


def _result(changes: int) -> PlanResult:
    rendered = render_blueprint(EXAMPLE)
    record = PlanRecord(blueprint="blueprints/shopping-mall.yaml", name="shopping-mall",
                        environment="demo", stage="cdn", fingerprint="x", created="now",
                        emulator=None, has_changes=True,
                        changes=[{"address": f"aws_thing.n{i:04d}", "action": "create"}
                                 for i in range(changes)])
    plan_json = {"format_version": "1.2", "resource_changes": []}
    return PlanResult(Path("out"), Path("out/tfplan"), record, plan_json, rendered,
                      review=review(rendered, None, plan_json), first_apply=True)


def test_plan_markdown_max_chars_keeps_problems_and_the_first_apply_note() -> None:
    result = _result(3)
    problems = ["the review did not predict Terraform's plan exactly: " + "x" * 300]
    md = markdown_comment(result, problems, 4000)
    assert len(md) <= 4000 and "Truncated to stay under 4,000 characters" in md
    assert md.startswith("> No applied snapshot yet")
    assert problems[0] in md and "<summary>Risks" in md
    assert len(markdown_comment(result, problems)) > 4000  # the default (60,000) shows more


def test_plan_markdown_without_review_cuts_the_change_list() -> None:
    result = _result(2000)
    bare = PlanResult(result.out_dir, result.plan_file, result.record, result.plan_json,
                      result.rendered, review_note="no blueprint review: test")
    md = markdown_comment(bare, ["a problem"], 5000)
    assert len(md) <= 5000 and "a problem" in md
    assert "more changes left out (character limit)" in md
    assert md.rstrip().endswith("> **a problem**")


def test_max_chars_is_an_option_with_a_floor() -> None:
    result = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--max-chars", "10"])
    assert result.exit_code == 2 and "--max-chars" in result.output
    assert "--max-chars" in CliRunner().invoke(main, ["plan", "--help"]).output


def test_summary_line_names_stateful_replacements_and_the_exit_reason() -> None:
    result = _result(0)
    changes = [{"address": "module.database.aws_db_instance.this", "action": "replace"},
               *({"address": f"aws_x.u{i}", "action": "update"} for i in range(4))]
    record = PlanRecord(**{**result.record.__dict__, "changes": changes})
    destroy = StatefulDestroy("module.database.aws_db_instance.this", "aws_db_instance",
                              "replace", "the database", False)
    prod = _Env(Path("p.yaml"), "prod", PlanResult(
        result.out_dir, result.plan_file, record, {}, result.rendered,
        consent=ConsentCheck(destroys=[destroy])), code=5)
    assert summary_line(prod) == ("prod: replaces 1 (DB!), 4 in place [exit 5: needs "
                                  "--allow-destroy or lifted protection]")
    staging = _Env(Path("s.yaml"), "staging", PlanResult(
        result.out_dir, result.plan_file, PlanRecord(**{**record.__dict__, "changes": []}),
        {}, result.rendered))
    assert summary_line(staging) == "staging: no changes"
    failed = _Env(Path("f.yaml"), "qa", code=1, error="terraform plan failed\nmore")
    assert summary_line(failed) == "qa: FAILED (exit 1): terraform plan failed"
    assert _worst([0, 4, 5, 2]) == 5 and _worst([4, 1, 5]) == 1 and _worst([0, 4]) == 4


def test_plan_many_prints_the_summary_first_and_the_most_serious_exit(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The presentation of several environments (Terraform itself: tests/integration/
    test_plan_many.py); each plan call is replaced by a finished result."""
    import json

    from tfgen.cli import multi as cli_multi
    from tfgen.errors import ApplyFailed

    done = _result(2)

    def fake_plan(path: Path, **_: object) -> PlanResult:
        if path.name == "c.yaml":  # environment gamma
            raise ApplyFailed("terraform plan failed with exit code 1:\nboom", 1)
        return done

    monkeypatch.setattr(cli_multi, "run_plan", fake_plan)
    monkeypatch.chdir(tmp_path)
    for name, env in (("a", "alpha"), ("b", "beta"), ("c", "gamma")):
        (tmp_path / f"{name}.yaml").write_text(f"name: shop\nenvironment: {env}\n",
                                               encoding="utf-8")
    mismatch = " [exit 4: the review missed or mispredicted actions]"  # the fake plan is empty
    text = CliRunner().invoke(main, ["plan", "a.yaml", "b.yaml", "-j", "2"])
    assert text.exit_code == 4, text.output
    assert text.output.startswith(f"tfgen plan: 2 environments\n  alpha: creates 2{mismatch}\n"
                                  f"  beta: creates 2{mismatch}\n\n=== alpha: a.yaml ===")
    assert text.output.index("=== alpha: a.yaml") < text.output.index("=== beta: b.yaml")
    out = CliRunner().invoke(main, ["plan", "a.yaml", "c.yaml", "--format", "json"])
    assert out.exit_code == 1  # a failure outranks 4
    data = json.loads(out.output)
    assert data["summary"] == [f"alpha: creates 2{mismatch}",
                               "gamma: FAILED (exit 1): terraform plan failed with exit code 1:"]
    assert [r["exit_code"] for r in data["results"]] == [4, 1]
    assert data["results"][0]["review_matches_plan"] is False
    assert data["results"][1]["error"].startswith("terraform plan failed")
    usage = CliRunner().invoke(main, ["plan", "a.yaml", "b.yaml", "--out", "x"])
    assert usage.exit_code == 2 and "--out and --allow-destroy take one blueprint" in usage.output
    assert CliRunner().invoke(main, ["plan"]).exit_code == 2
