#!/usr/bin/python3
"""Peer for bench/learn/ai4i: the same task as ai4i_bench in the usual Python practice (pandas,
Debian's python3-xgboost, scikit-learn's metrics), with the SAME folds (read from the file
ai4i_bench --write-folds wrote), the SAME features (the formulas of ai4i_data.cpp) and the same
protocol: for test fold k train on three folds, fold (k+1) mod K is the inner validation for
early stopping and for the best-F1 threshold (halfway down to the next lower score there), the
test fold is only scored.
Usage: ai4i_xgb.py AI4I_CSV FOLDS_CSV [--threads 2] [--failure-only] [--scale-pos-weight 1]
Prints precision, recall, F1 and PR-AUC per fold and their mean per target, and the seconds."""
import argparse, math, sys, time
import numpy as np, pandas as pd, xgboost as xgb
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

MODES = ["TWF", "HDF", "PWF", "OSF", "RNF"]

def features(df):
    # as ai4i_features: computed in float64 from the readings, cast to float32 at the end (the
    # rules' flags and margins must see the double difference, not the float one)
    f = pd.DataFrame()
    f["type"] = df["Type"].map({"L": 0, "M": 1, "H": 2}).astype(float)
    f["air_k"] = df["Air temperature [K]"].astype(float)
    f["process_k"] = df["Process temperature [K]"].astype(float)
    f["speed_rpm"] = df["Rotational speed [rpm]"].astype(float)
    f["torque_nm"] = df["Torque [Nm]"].astype(float)
    f["wear_min"] = df["Tool wear [min]"].astype(float)
    f["temp_diff_k"] = f["process_k"] - f["air_k"]
    f["power_w"] = f["torque_nm"] * f["speed_rpm"] * 2 * math.pi / 60
    f["wear_torque"] = f["wear_min"] * f["torque_nm"]
    f["overstrain_margin"] = f["wear_torque"] - (11000 + 1000 * f["type"])
    f["hdf_margin"] = np.maximum(f["temp_diff_k"] - 8.6, (f["speed_rpm"] - 1380) / 100)
    f["pwf_margin"] = np.minimum(f["power_w"] - 3500, 9000 - f["power_w"])
    f["hdf_rule"] = (f["hdf_margin"] < 0).astype(float)
    f["pwf_rule"] = (f["pwf_margin"] < 0).astype(float)
    f["osf_rule"] = (f["overstrain_margin"] > 0).astype(float)
    return f.astype(np.float32)

def best_f1_threshold(score, truth):
    # as learn::best_f1_threshold: scores from the highest down, ties taken together, the first
    # (highest) threshold with the best F1
    order = np.argsort(-score, kind="stable"); s = score[order]; t = truth[order]
    pos = t.sum(); tp = np.cumsum(t); seen = np.arange(1, len(t) + 1)
    last = np.r_[s[1:] != s[:-1], True]  # the end of each run of equal scores
    p = tp[last] / seen[last]; r = tp[last] / pos if pos else np.zeros(last.sum())
    f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0)
    return float(s[last][int(np.argmax(f1))])

def inner_threshold(score, truth):
    # as ai4i_bench's inner_threshold: the best-F1 threshold, halfway down to the next lower score
    t = best_f1_threshold(score, truth); below = score[score < t]
    return float((t + below.max()) / 2) if len(below) else t

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv"); ap.add_argument("folds")
    ap.add_argument("--threads", type=int, default=2); ap.add_argument("--failure-only", action="store_true")
    ap.add_argument("--scale-pos-weight", type=float, default=1.0)
    a = ap.parse_args()
    t0 = time.time()
    df = pd.read_csv(a.csv, encoding="utf-8-sig")
    folds = pd.read_csv(a.folds)["fold"].to_numpy()
    if len(folds) != len(df):
        sys.exit(f"{a.folds}: {len(folds)} folds for {len(df)} rows")
    x = features(df).to_numpy()
    k_folds = int(folds.max()) + 1
    targets = [("machine_failure", "Machine failure")] + ([] if a.failure_only else [(m, m) for m in MODES])
    for name, col in targets:
        y = df[col].to_numpy().astype(np.float32)
        f1s, ps, rs, aps = [], [], [], []
        for k in range(k_folds):
            inner = (k + 1) % k_folds
            tr = (folds != k) & (folds != inner); va = folds == inner; te = folds == k
            pos = y[tr].sum()
            spw = a.scale_pos_weight if a.scale_pos_weight > 0 else (tr.sum() - pos) / max(1.0, pos)
            params = {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist",
                      "max_depth": 6, "eta": 0.05, "subsample": 0.8, "colsample_bytree": 0.8,
                      "min_child_weight": 1, "lambda": 1, "scale_pos_weight": spw, "nthread": a.threads,
                      "seed": k, "verbosity": 0}
            dtr = xgb.DMatrix(x[tr], label=y[tr]); dva = xgb.DMatrix(x[va], label=y[va])
            b = xgb.train(params, dtr, num_boost_round=2000, evals=[(dtr, "train"), (dva, "valid")],
                          early_stopping_rounds=100, verbose_eval=False)
            rng = (0, b.best_iteration + 1)
            sv = b.predict(dva, iteration_range=rng).astype(float)
            st = b.predict(xgb.DMatrix(x[te]), iteration_range=rng).astype(float)
            thr = inner_threshold(sv, y[va].astype(int))
            yt = y[te].astype(int)
            p, r, f1, _ = precision_recall_fscore_support(yt, (st >= thr).astype(int), average="binary", zero_division=0)
            apv = average_precision_score(yt, st) if yt.sum() else 0.0
            f1s.append(f1); ps.append(p); rs.append(r); aps.append(apv)
            print(f"peer {name:<15} fold {k}: F1 {f1:.4f}  precision {p:.4f}  recall {r:.4f}  PR-AUC {apv:.4f}  threshold {thr:.3f}")
        print(f"peer {name:<15} mean over {k_folds} folds: F1 {np.mean(f1s):.4f} (sd {np.std(f1s, ddof=1):.4f})  "
              f"precision {np.mean(ps):.4f}  recall {np.mean(rs):.4f}  PR-AUC {np.mean(aps):.4f}", flush=True)
    print(f"peer pandas+xgboost ai4i: {len(df)} rows, {x.shape[1]} features, {len(targets)} targets x {k_folds} folds, "
          f"{a.threads} threads: {time.time() - t0:.2f} s")

if __name__ == "__main__":
    sys.exit(main())
