#!/usr/bin/env python3
"""Check the ranker's off-policy estimates against obp 0.4.1 (the reference implementation).

Runs `cargo run --release -p ranker --example ope_eval -- --obd DIR --json` and, on the same
Open Bandit Dataset logs, obp's InverseProbabilityWeighting, SelfNormalizedInverseProbability-
Weighting and DoublyRobust with the same inputs:
  - target policies: uniform over the campaign's items (random) and the empirical per-position
    item frequency of the Bernoulli-TS log (bts), as `action_dist` of shape (n, n_items, 3);
  - DR reward model: the empirical CTR of each (item, position) in the logs being reweighted,
    passed as `estimated_rewards_by_reg_model`;
  - positions: obp's own convention (dense rank of `position` minus 1).
Asserts |rust - obp| <= 1e-6 for every estimate, the on-policy CTRs and the effective sample
size. Not part of `cargo test` (needs the data and obp):

    python3 -m venv /tmp/obp-venv && /tmp/obp-venv/bin/pip install obp==0.4.1
    /tmp/obp-venv/bin/python ranker/scripts/check_ope_against_obp.py [~/.cache/meander-datasets/obd]
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from obp.ope import (
    DoublyRobust,
    InverseProbabilityWeighting,
    SelfNormalizedInverseProbabilityWeighting,
)

TOL = 1e-6
POSITIONS = 3
REPO = Path(__file__).resolve().parents[2]


def load(obd: Path, policy: str, campaign: str):
    """Loads a log the way obp.dataset.OpenBanditDataset.load_raw_data does."""
    base = obd / policy / campaign
    data = pd.read_csv(base / f"{campaign}.csv", index_col=0)
    items = len(pd.read_csv(base / "item_context.csv", index_col=0))
    return dict(
        action=data["item_id"].values.astype(int),
        position=(rankdata(data["position"].values, "dense") - 1).astype(int),
        reward=data["click"].values.astype(float),
        pscore=data["propensity_score"].values.astype(float),
    ), items


def frequencies(log, items):
    """Empirical P(item | position) of a log, shape (items, positions)."""
    counts = np.zeros((items, POSITIONS))
    np.add.at(counts, (log["action"], log["position"]), 1.0)
    totals = counts.sum(axis=0, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def empirical_ctr(log, items):
    sums = np.zeros((items, POSITIONS))
    counts = np.zeros((items, POSITIONS))
    np.add.at(sums, (log["action"], log["position"]), log["reward"])
    np.add.at(counts, (log["action"], log["position"]), 1.0)
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)


def estimates(log, pi, items):
    n = len(log["action"])
    action_dist = np.broadcast_to(pi, (n, items, POSITIONS)).copy()
    q_hat = np.broadcast_to(empirical_ctr(log, items), (n, items, POSITIONS)).copy()
    common = dict(reward=log["reward"], action=log["action"], pscore=log["pscore"],
                  position=log["position"], action_dist=action_dist)
    w = action_dist[np.arange(n), log["action"], log["position"]] / log["pscore"]
    return {
        "Ips": InverseProbabilityWeighting().estimate_policy_value(**common),
        "Snips": SelfNormalizedInverseProbabilityWeighting().estimate_policy_value(**common),
        "Dr": DoublyRobust().estimate_policy_value(**common, estimated_rewards_by_reg_model=q_hat),
        "ess": w.sum() ** 2 / (w ** 2).sum(),
    }


def main():
    obd = Path(sys.argv[1] if len(sys.argv) > 1 else
               os.path.expanduser("~/.cache/meander-datasets/obd"))
    out = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "ranker", "--example", "ope_eval", "--",
         "--obd", str(obd), "--json"],
        cwd=REPO, check=True, capture_output=True, text=True).stdout
    rust = [json.loads(line) for line in out.splitlines() if line.strip()]
    worst, checked = 0.0, 0
    for campaign in ["all", "men", "women"]:
        random_log, items = load(obd, "random", campaign)
        bts_log, _ = load(obd, "bts", campaign)
        uniform = np.full((items, POSITIONS), 1.0 / items)
        cases = {("bts", "random"): (random_log, frequencies(bts_log, items), bts_log),
                 ("random", "bts"): (bts_log, uniform, random_log)}
        for (target, logs), (log, pi, target_log) in cases.items():
            ref = estimates(log, pi, items)
            on_policy = target_log["reward"].mean()
            for row in (r for r in rust if (r["campaign"], r["target"], r["logs"]) ==
                        (campaign, target, logs)):
                for name, got, want in [(row["estimator"], row["value"], ref[row["estimator"]]),
                                        ("on_policy", row["on_policy"], on_policy),
                                        ("ess", row["ess"], ref["ess"])]:
                    diff = abs(got - want)
                    # ESS is in records, not a rate: compare it relative to its size.
                    scale = max(1.0, abs(want)) if name == "ess" else 1.0
                    worst = max(worst, diff / scale)
                    checked += 1
                    status = "ok" if diff / scale <= TOL else "MISMATCH"
                    print(f"{campaign:6} {target:6} from {logs:6} {name:9} rust={got:.12g} "
                          f"obp={want:.12g} |diff|={diff:.2e} {status}")
                    if diff / scale > TOL:
                        sys.exit(f"mismatch beyond {TOL}")
    if checked != 3 * 2 * 3 * 3:
        sys.exit(f"expected 54 comparisons, made {checked}")
    print(f"all {checked} comparisons within {TOL} (worst {worst:.2e})")


if __name__ == "__main__":
    main()
