"""Randomisation balances arms within what chance allows (issue #19 item 6).

A 100-person probiotic trial with seed 7 gave g = -1.14 where other seeds gave -0.3 to -0.8.
Over seeds 1-20 the model's g had mean -0.58 and SD 0.22, the standard error the CI states
(0.20): seed 7 is a 2.6-SD draw, made of a chance imbalance of prognostic traits
(vulnerability -0.36 SD, stress -0.30 SD between arms) and of visit noise (-1.2 points, 2.4
SD), not a fault of the randomisation. This test holds the randomisation itself to chance.
"""

from __future__ import annotations

import numpy as np

from gutbrain.analysis.population import population
from gutbrain.analysis.trial import randomise


def test_baseline_phq9_differences_between_arms_are_chance_sized():
    pop = population("depressed", 100, seed=7)
    phq = pop.screening.phq9.to_numpy()
    z = []
    for seed in range(400):
        a, b = (plan.persons for plan in randomise(len(phq), ["placebo", "probiotic"], seed))
        assert len(a) == len(b) == 50 and not set(a) & set(b)
        se = np.sqrt(phq[a].var(ddof=1) / len(a) + phq[b].var(ddof=1) / len(b))
        z.append((phq[b].mean() - phq[a].mean()) / se)
    z = np.array(z)
    # z is about N(0, 1) under fair randomisation (a permutation of one fixed population is a
    # little narrower, hence 0.75-1.15), and no seed is an outlier beyond what 400 draws allow:
    # P(max |z| of 400 normal draws > 4.6) ~ 0.002. (The bound was 4.0, a ~2.5 % false alarm
    # for each new population: after the issue #14 trial designs this population gave 4.28 at
    # seed 344, where 20,000 random permutations of it gave at most 3.96 - a 1-in-50 event.)
    assert abs(z.mean()) < 0.15
    assert 0.75 < z.std() < 1.15
    assert np.abs(z).max() < 4.6
    assert (np.abs(z) > 1.96).mean() < 0.09


def test_randomisation_is_deterministic_and_seed_dependent():
    a = [p.persons for p in randomise(30, ["x", "y", "z"], 5)]
    b = [p.persons for p in randomise(30, ["x", "y", "z"], 5)]
    c = [p.persons for p in randomise(30, ["x", "y", "z"], 6)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c, strict=True))
    assert sorted(np.concatenate(a).tolist()) == list(range(30))
