"""What a hostile or careless user found (issue #16): every case is a regression test.

Failure is detected and reported (never a NaN person counted as healthy), resume is keyed,
every face has one error boundary (exit 2 bad input, 3 solver failure, 1 environment), input
is refused up front with the limit named, and nothing is written outside ``--out``.
"""

from __future__ import annotations

import json
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import gutbrain
from gutbrain.analysis.population import cohort_tolerances, population
from gutbrain.cli import app
from gutbrain.engine.batch import (
    BatchSolution,
    flag_bad_samples,
    flag_implausible,
    integrate_batch,
    observe_batch,
)
from gutbrain.errors import InputError
from gutbrain.scenario.loader import ScenarioError, load_scenario, parse_scenario
from gutbrain.scenario.schedule import build_schedule, sample_times
from gutbrain.scenario.schema import Scenario

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def one_line(res) -> str:
    return " ".join(res.output.split())


# ---- 1. failure is detected and reported everywhere ---------------------------------------
def _probiotic_schedule(model, pop, cfu: float):
    sc = Scenario.model_validate({"name": "x", "days": 12, "interventions": [
        {"type": "probiotic", "cfu_per_day": 1e10, "start_day": 5}]})
    scheds = [build_schedule(model, sc, p) for p in pop.params]
    P = np.stack([s.params for s in scheds])
    P[:, 1:, model.param_index("probiotic_lacto_cfu")] = cfu  # beyond any schema limit
    B = np.stack([s.bolus for s in scheds])
    return scheds[0].boundaries, P, B


@pytest.mark.parametrize("lockstep", [True, False])
def test_engine_marks_non_finite_persons_failed(model, lockstep):
    """A dose of 1e300 CFU made every lockstep person NaN with status 0 (the max error norm
    dropped the NaN); every engine now reports them failed and their values NaN after."""
    pop = population("general", 8, seed=0)
    bounds, P, B = _probiotic_schedule(model, pop, 1e300)
    t = np.arange(0.0, 13.0)
    sol = integrate_batch(model, bounds, P, B, pop.state, t, cohort_tolerances(),
                          lockstep=lockstep)
    assert (sol.status != 0).all(), sol.status
    assert all("at day 5" in m for m in sol.messages(model)), sol.messages(model)
    obs = observe_batch(model, sol, bounds, P)  # used to raise ZeroDivisionError
    assert np.isfinite(obs[:, t < 5]).all() and np.isnan(obs[:, t > 5.5]).all()


def test_samples_and_observables_are_checked_after_the_solve(model):
    t = np.arange(4.0)
    y = np.ones((3, 4, model.n_states))
    y[1, 2, 5] = np.nan
    y[2, 3, 7] = 1e40
    sol = BatchSolution(t, y, np.zeros(3, dtype=np.int64), np.zeros((3, 4)))
    flag_bad_samples(t, y, sol.status, sol.info)
    assert list(sol.status) == [0, 3, 4]
    assert sol.info[1, 0] == 2.0 and sol.info[1, 1] == 5
    assert sol.info[2, 0] == 3.0 and sol.info[2, 1] == 7
    # a finite runaway: cortisol far above any human value (seen in 1 of 10,000 general
    # persons, whose HPA gland mass grew without bound)
    obs = np.zeros((3, 4, len(model.observable_ids)))
    obs[0, 1, model.observable_ids.index("cortisol")] = 1e6
    ok = BatchSolution(t, np.ones((3, 4, model.n_states)), np.zeros(3, dtype=np.int64),
                       np.zeros((3, 4)))
    flag_implausible(model, ok, obs)
    assert list(ok.status) == [5, 0, 0]
    msg = ok.messages(model)[0]
    assert "cortisol left its physiological range at day 1.000" in msg and "1e+06" in msg


def _failing_integrate(fail_arm_persons):
    """integrate_batch as it is, except that the persons named fail at day 3 (as a person
    whose solver gives up would: status, and no samples after the failure)."""
    import gutbrain.analysis.trial as trial_mod

    real = trial_mod.integrate_batch

    def run(model, boundaries, params, bolus, y0, t_out, tol=None, **kw):
        sol = real(model, boundaries, params, bolus, y0, t_out, tol, **kw)
        for k in range(len(y0)):
            if fail_arm_persons(k, len(y0)):
                sol.status[k] = 1
                sol.info[k, 0] = 3.0
                sol.y[k, t_out >= 3.0] = 0.0  # the solver leaves unreached samples at zero
        return sol

    return run


TRIAL = textwrap.dedent("""\
    name: injected
    population: {{preset: general, n: {n}, seed: {seed}}}
    days: 14
    arms:
      control: []
      fibre:
        - {{type: diet, pattern: high_fiber, start_day: 0}}
    outcomes: [phq9, gad7, mde_incidence]
""")


def test_trial_with_a_failing_person_reports_it_and_excludes_it(tmp_path, monkeypatch):
    """One failing person never aborts the trial (a zero state fed to the observables crashed
    a 10,000-person trial): they get a status and a reason, the statistics exclude them,
    trial.json counts them per arm and stays strict JSON."""
    import gutbrain.analysis.trial as trial_mod

    monkeypatch.setattr(trial_mod, "integrate_batch",
                        _failing_integrate(lambda k, n: k == 0))
    spec = tmp_path / "t.yaml"
    spec.write_text(TRIAL.format(n=12, seed=1))
    res = invoke("trial", str(spec), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    result = json.loads((tmp_path / "out" / "trial.json").read_text())
    persons = pd.read_parquet(tmp_path / "out" / "persons.parquet")
    bad = persons[persons.status != "ok"]
    assert len(bad) == 2 and bad.status.str.contains("maximum number of steps").all()
    assert result["failed_persons"] == 2
    for arm in ("control", "fibre"):
        a = result["arms"][arm]
        assert a["failed"] == 1 and a["randomised"] == 6 and a["n"] == 5
    # more than 5 % lost: warned in trial.json, the CLI and the report
    assert any("failed to simulate" in w for w in result["warnings"])
    assert "warning" in res.output and "failed to simulate" in one_line(res)
    assert "failed to simulate" in (tmp_path / "out" / "report.html").read_text()


def test_trial_json_is_strict_json_when_an_arm_is_empty(tmp_path, monkeypatch):
    """Every treated person failing left g and its CI NaN, written as bare NaN (invalid
    JSON); now null, with a warning, and no 'significant' effect."""
    import gutbrain.analysis.trial as trial_mod

    monkeypatch.setattr(trial_mod, "integrate_batch", _failing_integrate(lambda k, n: True))
    spec = tmp_path / "t.yaml"
    spec.write_text(TRIAL.format(n=4, seed=2))
    res = invoke("trial", str(spec), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    text = (tmp_path / "out" / "trial.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    result = json.loads(text)
    c = [c for c in result["contrasts"] if c["outcome"] == "phq9"][0]
    assert c["hedges_g"] is None and c["ci95"] == [None, None]
    assert c["hedges_g_ancova"] is None and c["mean_difference_ancova_ci95"] == [None, None]
    assert "baseline-adjusted g = n/a" in one_line(res)
    assert result["arms"]["fibre"]["n"] == 0


# ---- 2. resume is keyed ----------------------------------------------------------------------
def test_rerun_with_another_seed_is_refused_then_overwritten(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text(TRIAL.format(n=4, seed=1))
    out = tmp_path / "out"
    assert invoke("trial", str(spec), "--out", str(out)).exit_code == 0
    chunks = sorted((out / "chunks").glob("*.parquet"))
    stamp = {p.name: p.stat().st_mtime_ns for p in chunks}
    # the same run resumes: no chunk is computed again
    assert invoke("trial", str(spec), "--out", str(out)).exit_code == 0
    assert {p.name: p.stat().st_mtime_ns for p in chunks} == stamp
    spec.write_text(TRIAL.format(n=4, seed=2))
    res = invoke("trial", str(spec), "--out", str(out))
    assert res.exit_code == 2 and "another trial run" in one_line(res), res.output
    assert "--overwrite" in one_line(res)
    res = invoke("trial", str(spec), "--out", str(out), "--overwrite")
    assert res.exit_code == 0, res.output
    assert json.loads((out / "trial.json").read_text())["population"]["seed"] == 2
    # an added outcome is another run too (it crashed with KeyError 'il6_baseline')
    spec.write_text(TRIAL.format(n=4, seed=2).replace("mde_incidence]", "mde_incidence, il6]"))
    assert invoke("trial", str(spec), "--out", str(out)).exit_code == 2


def test_cohort_keys_its_chunks_and_applies_person_and_diet(tmp_path):
    base = {"name": "c", "days": 6}
    paths = {}
    for name, extra in {"plain": {},
                        "person": {"person": {"preset": "depressive_episode",
                                              "vagal_afferent_gain": 0}},
                        "diet": {"diet": {"base": "animal_based", "protein_g": 200}}}.items():
        p = tmp_path / f"{name}.yaml"
        p.write_text(json.dumps({**base, **extra}))
        paths[name] = p
        res = invoke("cohort", str(p), "--n", "3", "--seed", "1", "--out",
                     str(tmp_path / name))
        assert res.exit_code == 0, res.output
    frames = {n: pd.read_parquet(tmp_path / n / "chunks") for n in paths}
    assert not np.allclose(frames["plain"].phq9, frames["person"].phq9)
    assert not np.allclose(frames["plain"].butyrate, frames["diet"].butyrate)
    assert (frames["plain"].status == 0).all() and (frames["plain"].reason == "ok").all()
    summary = json.loads((tmp_path / "person" / "cohort.json").read_text())
    assert summary["person"]["vagal_afferent_gain"] == 0 and summary["failed"] == 0
    # another seed into the same folder is refused instead of mixing chunks
    res = invoke("cohort", str(paths["plain"]), "--n", "3", "--seed", "2", "--out",
                 str(tmp_path / "plain"))
    assert res.exit_code == 2 and "another cohort run" in one_line(res)


# ---- 3. one error boundary, everything checked up front -------------------------------------
SCENARIOS = {
    "duplicate top-level key": ("name: a\ninterventions: []\ndays: 10\ninterventions: []\n",
                                "line 4", "interventions: duplicated name"),
    "alias bomb": ("a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
                   "expands to more than", "aliases"),
    "deep nesting": ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nested", "deep"),
    "days true": ("days: true\n", "days", "boolean"),
    "absurd days": ("days: 1.0e9\n", "days", "36525"),
    "infinite dose": ("interventions:\n  - {type: probiotic, cfu_per_day: .inf}\n",
                      "cfu_per_day", "finite"),
    "absurd dose": ("interventions:\n  - {type: probiotic, cfu_per_day: 1.0e300}\n",
                    "cfu_per_day", "1e+13"),
    "unknown person parameter": ("person:\n  preset: healthy_adult\n  vagal_gain: 0.5\n",
                                 "line 3: person.vagal_gain", "vagal_afferent_gain"),
    "misspelt diet field": ("diet:\n  base: western\n  fibre_g: 30\n", "line 3: diet.fibre_g",
                            "unknown field"),
    "negative diet field": ("diet:\n  fiber_g: -3\n", "diet.fiber_g", "greater than or equal to 0"),
    "FMT dry mass": ("interventions:\n  - {type: fmt, day: 1, dry_mass_g: 1.0e9}\n",
                     "dry_mass_g", "100"),
    # the web fuzz found it: a subnormal duration divided the dose by zero (a traceback)
    "vanishing infusion": ("interventions:\n  - {type: endotoxin, day: 0, ng_per_kg: 1.0e-300,"
                           " infusion_hours: 5.0e-324}\n", "infusion_hours",
                           "shorter than an infusion"),
}


@pytest.mark.parametrize("case", sorted(SCENARIOS))
def test_bad_scenarios_exit_2_with_file_field_and_expectation(tmp_path, case):
    text, where, expected = SCENARIOS[case]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    t0 = time.perf_counter()
    res = invoke("simulate", str(path), "--out", str(tmp_path / "out"))
    assert time.perf_counter() - t0 < 30  # the alias bomb hung
    msg = one_line(res)
    assert res.exit_code == 2, res.output
    assert str(path) in msg and where in msg and expected in msg, msg
    assert "Traceback" not in res.output and not (tmp_path / "out").exists()


def test_binary_and_non_utf8_scenarios(tmp_path):
    for name, data, expected in (("bin.yaml", b"\x00\x01\x02name: x", "binary"),
                                 ("latin.yaml", "name: caf\xe9\n".encode("latin-1"),
                                  "not UTF-8")):
        p = tmp_path / name
        p.write_bytes(data)
        res = invoke("simulate", str(p))
        assert res.exit_code == 2 and expected in one_line(res), res.output


def test_out_that_is_a_file_or_under_a_file(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: s\ndays: 2\n")
    afile = tmp_path / "file"
    afile.write_text("x")
    res = invoke("simulate", str(scen), "--out", str(afile))
    assert res.exit_code == 2 and "is an existing file" in one_line(res), res.output
    res = invoke("simulate", str(scen), "--out", str(afile / "sub"))
    assert res.exit_code == 1 and "cannot write there" in one_line(res), res.output
    # a missing parent is created
    res = invoke("simulate", str(scen), "--out", str(tmp_path / "a" / "b"), "--every", "7")
    assert res.exit_code == 0, res.output
    days = pd.read_parquet(tmp_path / "a" / "b" / "results.parquet").day
    assert days.iloc[-1] == 2.0  # --every 7 dropped the last day


@pytest.mark.parametrize("every_days", ["0", "-1", "nan", "400"])
def test_cohort_sampling_interval_is_checked(tmp_path, every_days):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: s\ndays: 365\n")
    res = invoke("cohort", str(scen), "--n", "2", "--every-days", every_days, "--out",
                 str(tmp_path / "o"))
    assert res.exit_code == 2 and "--every-days" in one_line(res), res.output
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_unreachable_scheduler_is_an_environment_problem(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text(TRIAL.format(n=4, seed=1))
    res = invoke("trial", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                 "tcp://127.0.0.1:9")
    assert res.exit_code == 1 and "no dask scheduler answers" in one_line(res), res.output


@pytest.mark.parametrize("every", ["0", "-1", "1e-6", "nan"])
def test_sampling_interval_is_checked(tmp_path, every):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: s\ndays: 365\n")
    res = invoke("simulate", str(scen), "--every", every, "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "--every" in one_line(res), res.output


def test_sample_times_always_end_at_the_end():
    assert sample_times(180.0, 7 / 24)[-1] == 180.0
    assert np.allclose(sample_times(3.0, 1.0), [0, 1, 2, 3])
    assert np.all(np.diff(sample_times(10.0, 0.3)) > 0)


def test_python_api_raises_input_error():
    sc = {"name": "x", "days": 3}
    for kwargs, expected in (
            ({"initial_state": np.ones(3)}, "initial_state: expected"),
            ({"parameters": {"vagal_afferent_gain": -100}}, "outside the plausible range"),
            ({"parameters": {"vagal_afferent_gain": float("nan")}}, "finite"),
            ({"parameters": {"vagal_gain": 1}}, "unknown parameter"),
            ({"every_hours": 0}, "every_hours"),
            ({"every_hours": -1}, "every_hours"),
            ({"rtol": 0.0}, "rtol"),
            ({"rtol": 0.5}, "rtol")):
        with pytest.raises(InputError, match=expected):
            gutbrain.simulate(sc, **kwargs)
    assert issubclass(gutbrain.InputError, ValueError)


def test_python_api_takes_a_built_in_scenario_name_as_the_cli_does():
    """gutbrain.simulate("chronic_stress") runs the shipped scenario, as `gutbrain simulate
    chronic_stress` does; a name that is neither a file nor built in lists the built-ins."""
    import json

    from gutbrain.scenario.library import builtin_scenario

    ds = gutbrain.simulate("chronic_stress", every_hours=24)
    ran = json.loads(ds.attrs["provenance"])["scenario"]
    assert ran == builtin_scenario("chronic_stress").model_dump(mode="json")
    with pytest.raises(ScenarioError, match="no such scenario file or built-in scenario; "
                                            "built-in scenarios: baseline"):
        gutbrain.simulate("chronic_stres")
    with pytest.raises(ScenarioError, match="missing.yaml: no such scenario file"):
        gutbrain.simulate("missing.yaml")


BAD_TRIALS = {
    "arm name with a slash": ("a/b", "arms.a/b", "arm names"),
    "arm name escaping": ("../../escaped", "arms.../../escaped", "arm names"),
}


@pytest.mark.parametrize("case", sorted(BAD_TRIALS))
def test_arm_names_cannot_escape_out(tmp_path, case):
    arm, where, expected = BAD_TRIALS[case]
    spec = tmp_path / "t.yaml"
    spec.write_text(TRIAL.format(n=4, seed=1).replace("  fibre:", f"  '{arm}':"))
    res = invoke("trial", str(spec), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and where in one_line(res) and expected in one_line(res)
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("change, expected", [
    (("start_day: 0}", "start_day: 30}"), "arms.fibre"),  # an arm checked only when simulated
    (("n: 4,", "n: 1,"), "fewer than 2 per arm"),  # n = 1: ZeroDivisionError
    (("n: 4,", "n: 1.0e+7,"), "less than or equal to 1e+06"),  # MemoryError after minutes
])
def test_trial_is_checked_before_the_first_simulation(tmp_path, change, expected):
    spec = tmp_path / "t.yaml"
    spec.write_text(TRIAL.format(n=4, seed=1).replace(*change))
    res = invoke("trial", str(spec), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and expected in one_line(res), res.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_unreachable_inclusion_criteria_are_input_errors():
    with pytest.raises(InputError, match="too strict"):
        population("general", 4, seed=0, inclusion={"crp_min": 10000.0})


def test_internal_errors_have_no_traceback_unless_debug(tmp_path, monkeypatch):
    import gutbrain.api as api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "simulate_run", broken)  # what `gutbrain simulate` calls
    scen = tmp_path / "s.yaml"
    scen.write_text("name: s\ndays: 2\n")
    res = invoke("simulate", str(scen), "--out", str(tmp_path / "o"))
    assert res.exit_code == 1 and "internal error: RuntimeError: boom" in one_line(res)
    assert "Traceback" not in res.output
    res = invoke("--debug", "simulate", str(scen), "--out", str(tmp_path / "o"))
    assert isinstance(res.exception, RuntimeError)


def test_interrupted_run_leaves_no_empty_folder(tmp_path):
    from gutbrain.cli._boundary import removed_if_empty

    target = tmp_path / "demo"
    with pytest.raises(KeyboardInterrupt), removed_if_empty(target):
        (target / "figures").mkdir(parents=True)  # the demo makes its folders first
        raise KeyboardInterrupt
    assert not target.exists()
    with pytest.raises(KeyboardInterrupt), removed_if_empty(target):
        target.mkdir()
        (target / "report.html").write_text("x")
        raise KeyboardInterrupt
    assert (target / "report.html").exists()  # finished work is never removed


# ---- 6. linear in size ---------------------------------------------------------------------
def test_many_antibiotic_courses_are_checked_and_scheduled_fast(model):
    """30,000 courses took 55 s in a pairwise overlap check (and the schedule was quadratic
    too); both are now sorted sweeps."""
    t0 = time.perf_counter()
    sc = parse_scenario({"days": 36000, "interventions": [
        {"type": "antibiotic", "class": "amoxicillin", "start_day": 1, "days": 0.5,
         "courses": 10000, "interval_days": 2}]})
    sched = build_schedule(model, sc)
    assert time.perf_counter() - t0 < 20
    i = model.param_index("abx_bacteroides")
    assert len(sched.boundaries) == 20002
    assert np.count_nonzero(sched.params[:, i]) == 10000
    with pytest.raises(ScenarioError, match="overlaps the course 1-3 of interventions.0"):
        parse_scenario({"days": 100, "interventions": [
            {"type": "antibiotic", "class": "amoxicillin", "start_day": 1, "days": 2},
            {"type": "antibiotic", "class": "amoxicillin", "start_day": 50, "days": 2},
            {"type": "antibiotic", "class": "amoxicillin", "start_day": 2, "days": 1}]})


def _naive_schedule_params(model, sc):
    """The per-segment reference the bisection replaced."""
    from gutbrain.scenario.schedule import _changes, person_parameters

    p0 = person_parameters(model, sc)
    base = {n: p0[i] for i, n in enumerate(model.param_names)}
    changes, _ = _changes(model, sc, base, p0, None)
    bounds = build_schedule(model, sc).boundaries
    P = np.repeat(p0[None, :], len(bounds) - 1, axis=0)
    for k in range(len(bounds) - 1):
        mid = 0.5 * (bounds[k] + bounds[k + 1])
        active = [c for c in changes if c.start <= mid < c.end]
        for c in sorted((c for c in active if c.kind == "set"), key=lambda c: c.start):
            for name, v in c.values.items():
                P[k, model.param_index(name)] = v
        for c in active:
            for name, v in c.values.items():
                i = model.param_index(name)
                if c.kind == "add":
                    P[k, i] += v
                elif c.kind == "max":
                    P[k, i] = max(P[k, i], v)
    return P


def test_schedule_matches_the_per_segment_reference(model):
    sc = load_scenario("examples/antibiotic-then-probiotic.yaml")
    sc2 = parse_scenario({"days": 200, "interventions": [
        {"type": "diet", "pattern": "mediterranean", "start_day": 10, "days": 50},
        {"type": "diet", "pattern": "high_fiber", "start_day": 30},
        {"type": "stress", "level": 0.6, "start_day": 20, "days": 40},
        {"type": "stress", "level": 0.3, "start_day": 25, "days": 100},
        {"type": "lab_stressor", "day": 30.5},
        {"type": "fermented_food", "servings_per_day": 3, "start_day": 5, "days": 60},
        {"type": "probiotic", "cfu_per_day": 1e10, "start_day": 40, "days": 20},
        {"type": "antibiotic", "class": "ciprofloxacin", "start_day": 0, "days": 5,
         "courses": 3, "interval_days": 30}]})
    for s in (sc, sc2):
        assert np.array_equal(build_schedule(model, s).params, _naive_schedule_params(model, s))
