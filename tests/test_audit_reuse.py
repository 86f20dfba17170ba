"""The build's final audit reuses disclosure control's last check only for the very table
protect() returned; anything else is audited in full."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from geo4mi import pipeline
from geo4mi.indicators import audit as A
from geo4mi.study import bundled_study_path


@pytest.fixture(scope="module")
def results():
    # protect() must run in this run (not come from the memo of an earlier run in the same
    # process, whose kept check may since have been evicted by other studies' checks)
    pipeline._PROTECTED.clear()
    return pipeline.run(bundled_study_path())


def test_reused_check_is_the_full_audit(results, caplog):
    with caplog.at_level(logging.INFO, logger="geo4mi.indicators.audit"):
        reused = A.audit_results(results)
    assert "its last check" in caplog.text
    full = A.audit_results(results, reuse=False)
    pd.testing.assert_frame_equal(reused, full)
    A.refuse_results(results)  # no exception: nothing disclosed


def test_a_changed_table_is_audited_in_full(results, caplog):
    from dataclasses import replace

    est = results.estimates.copy()
    hidden = est.index[(est["status"] == "suppressed") & (est["group_var"] != "all")][0]
    truth = A.true_estimates(results)
    key = ["indicator", "area_id", "group_var", "group_value"]
    true_row = truth.set_index(key).loc[tuple(est.loc[hidden, key])]
    est.loc[hidden, "numerator"] = true_row["numerator"]  # publish one hidden cell
    est.loc[hidden, "n"] = true_row["n"]
    est.loc[hidden, "status"] = "ok"
    changed = replace(results, estimates=est)
    with caplog.at_level(logging.INFO, logger="geo4mi.indicators.audit"):
        found = A.audit_results(changed)
    assert "its last check" not in caplog.text
    pd.testing.assert_frame_equal(found, A.audit_results(changed, reuse=False))



def test_the_run_carries_the_digest_of_its_true_counts(results, monkeypatch):
    """run() keeps the digest of the true estimates it protected against, so the final
    audit finds protect's check without estimating them again; without that digest they
    are estimated again, with the same answer."""
    from dataclasses import replace

    assert results.truth_key == A.table_digest(A.true_estimates(results))
    calls = []
    real = A.true_estimates
    monkeypatch.setattr(A, "true_estimates", lambda r: calls.append(1) or real(r))
    found = A.audit_results(results)
    assert calls == []
    pd.testing.assert_frame_equal(A.audit_results(replace(results, truth_key=None)), found)
    assert calls == [1]
