"""Trial ``allocation: every_arm``: every person simulated in every arm, paired statistics.

A simulation can run the contrast no real trial can: the same person with and without the
intervention. The person's life events, weekly stress, residual affect and visit noise are drawn
from their own streams, not the arm's, so two identical arms give identical persons, and an
intervention's contrast carries its effect without the sampling noise between persons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gutbrain.analysis import trial as trial_mod
from gutbrain.analysis.trial import allocate, paired_risk_ratio, risk_ratio
from gutbrain.analysis.trial_spec import parse_trial
from gutbrain.errors import InputError


def _spec(allocation: str | None, arms: dict, n: int = 12, days: float = 60,
          outcomes: tuple[str, ...] = ("phq9", "crp", "mde_incidence")) -> dict:
    data = {"name": "cf", "population": {"preset": "general", "n": n, "seed": 3},
            "days": days, "arms": arms, "outcomes": list(outcomes),
            "background_life_events": True}
    if allocation is not None:
        data["allocation"] = allocation
    return data


FIBRE = {"control": [], "fibre": [{"type": "diet", "pattern": "high_fiber", "start_day": 0}]}


def test_randomised_is_the_default_and_every_arm_needs_only_two_persons():
    assert parse_trial(_spec(None, FIBRE)).allocation == "randomised"
    three = {"a": [], "b": [], "c": []}
    assert parse_trial(_spec("every_arm", three, n=2)).population.n == 2
    with pytest.raises(InputError, match="fewer than 2 per arm"):
        parse_trial(_spec("randomised", three, n=5))
    with pytest.raises(InputError, match="allocation"):
        parse_trial(_spec("crossover", three))


def test_every_arm_puts_every_person_in_every_arm():
    plans = allocate(7, ["a", "b", "c"], 1, "every_arm")
    assert [p.name for p in plans] == ["a", "b", "c"]
    assert all(np.array_equal(p.persons, np.arange(7)) for p in plans)
    # randomised allocation still splits the population
    split = allocate(7, ["a", "b"], 1)
    assert sorted(np.concatenate([p.persons for p in split])) == list(range(7))


def test_paired_risk_ratio_is_the_delta_method_of_paired_proportions():
    # a = 10 in both arms, b = 20 in the arm only, c = 5 in the comparator only, 65 in neither
    x = np.r_[np.ones(10), np.ones(20), np.zeros(5), np.zeros(65)]
    y = np.r_[np.ones(10), np.zeros(20), np.ones(5), np.zeros(65)]
    rr, lo, hi = paired_risk_ratio(x, y)
    se = math.sqrt(25 / (30 * 15))
    assert rr == pytest.approx(2.0)
    assert (lo, hi) == pytest.approx((2 * math.exp(-1.96 * se), 2 * math.exp(1.96 * se)))
    # the same margins in independent groups: a wider interval, as pairing removes the
    # persons who have the event (or not) whatever the arm
    _, ilo, ihi = risk_ratio(30, 100, 15, 100)
    assert hi / lo < ihi / ilo
    # no discordant person: half a pair either way, never a zero-width interval
    rr, lo, hi = paired_risk_ratio(np.r_[np.ones(4), np.zeros(6)], np.r_[np.ones(4),
                                                                          np.zeros(6)])
    assert rr == 1.0 and lo < 1.0 < hi
    assert all(math.isnan(v) for v in paired_risk_ratio(np.array([]), np.array([])))


def test_identical_arms_give_identical_persons_and_a_null_contrast():
    """Two empty arms: every recorded value of a person is the same in both (their streams
    are theirs, not the arm's), so every paired contrast is exactly null, where the same
    population randomised carries chance differences between its halves."""
    arms = {"a": [], "b": []}
    result, persons, _ = trial_mod.run_trial(parse_trial(_spec("every_arm", arms, days=30)))
    a = persons[persons.arm == "a"].set_index("person").sort_index()
    b = persons[persons.arm == "b"].set_index("person").sort_index()
    assert len(a) == len(b) == 12
    for col in ("phq9_baseline", "phq9_end", "crp_baseline", "crp_end", "mde_incidence"):
        np.testing.assert_allclose(a[col], b[col], rtol=0, atol=1e-9)
    assert result["design"]["allocation"] == "every_arm"
    for c in result["contrasts"]:
        assert c["n_pairs"] == 12
        if c["outcome"] == "mde_incidence":
            assert c["risk_ratio"] == 1.0
        else:
            assert abs(c["mean_difference"]) < 1e-9 and abs(c["hedges_g"]) < 1e-9
    rand, _, _ = trial_mod.run_trial(parse_trial(_spec("randomised", arms, days=30)))
    g = {c["outcome"]: c["hedges_g"] for c in rand["contrasts"] if "hedges_g" in c}
    assert abs(g["phq9"]) > 0.05  # six persons against six others differ by chance


def test_paired_contrast_keeps_the_effect_and_narrows_its_interval():
    """High fibre against the Western diet over 60 days in the same 12 persons and in 12
    persons split 6/6: the paired CRP contrast is negative (fibre lowers CRP in the model)
    with an interval that excludes 0 and is narrower than the randomised one."""
    paired, _, _ = trial_mod.run_trial(parse_trial(_spec("every_arm", FIBRE)))
    rand, _, _ = trial_mod.run_trial(parse_trial(_spec("randomised", FIBRE)))
    pc = next(c for c in paired["contrasts"] if c["outcome"] == "crp")
    rc = next(c for c in rand["contrasts"] if c["outcome"] == "crp")
    assert pc["mean_difference"] < 0 and pc["ci95"][1] < 0 and pc["p_value"] < 0.05
    assert pc["ci95"][1] - pc["ci95"][0] < 0.5 * (rc["ci95"][1] - rc["ci95"][0])
    # same persons at baseline: the end-value ("ancova") difference is the change difference
    assert pc["mean_difference_ancova"] == pytest.approx(pc["mean_difference"], abs=1e-9)
    assert pc["ancova_baseline_slope"] != pc["ancova_baseline_slope"]  # NaN: none fitted


def test_the_cli_and_report_say_the_contrasts_are_paired(tmp_path):
    """`gutbrain trial` with allocation every_arm: the summary and the report say that every
    person was in every arm and the contrasts are paired; the arm table counts persons
    simulated, not randomised; trial.json records the allocation and n_pairs."""
    import json

    import yaml
    from typer.testing import CliRunner

    from gutbrain.cli import app

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(_spec("every_arm", FIBRE, n=6, days=14,
                                         outcomes=("phq9", "mde_incidence"))))
    res = CliRunner().invoke(app, ["trial", str(spec), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "contrasts are paired" in res.output
    report = (tmp_path / "o" / "report.html").read_text()
    assert "Every person was simulated in every arm" in report and "<th>simulated</th>" in report
    result = json.loads((tmp_path / "o" / "trial.json").read_text())
    assert result["design"]["allocation"] == "every_arm"
    assert all(c["n_pairs"] == 6 for c in result["contrasts"])
