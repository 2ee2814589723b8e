#!/usr/bin/python3
"""scikit-learn's GaussianMixture on rows written by bench/harness.ts.

usage: sklearn_gmm.py DATA.f64 DIM K|bic KMIN KMAX COVARIANCE N_INIT SEED

DATA.f64 holds the rows as raw little-endian float64 (row-major). With K = "bic" every k in
[KMIN, KMAX] is fitted and the lowest BIC kept. Prints one JSON object: the parameters (full
covariance matrices, whatever the covariance type), convergence, the total log-likelihood,
BIC/AIC and the fit time in seconds (measured here, without start-up and reading).
"""
import json
import sys
import time

import numpy as np
from sklearn.mixture import GaussianMixture


def full_covariances(gm, n):
    c = gm.covariances_
    k = gm.n_components
    if gm.covariance_type == "full":
        return c
    if gm.covariance_type == "tied":
        return np.repeat(c[None], k, axis=0)
    if gm.covariance_type == "diag":
        return np.array([np.diag(v) for v in c])
    return np.array([np.eye(n) * v for v in c])  # spherical


def main():
    path, dim, kspec, kmin, kmax, cov, n_init, seed = sys.argv[1:9]
    dim, kmin, kmax, n_init, seed = int(dim), int(kmin), int(kmax), int(n_init), int(seed)
    x = np.fromfile(path, dtype="<f8").reshape(-1, dim)
    ks = range(kmin, kmax + 1) if kspec == "bic" else [int(kspec)]
    t0 = time.perf_counter()
    best = None
    for k in ks:
        gm = GaussianMixture(n_components=k, covariance_type=cov, n_init=n_init, random_state=seed).fit(x)
        bic = gm.bic(x)
        if best is None or bic < best[0]:
            best = (bic, gm)
    seconds = time.perf_counter() - t0
    bic, gm = best
    ll = float(gm.score(x) * x.shape[0])
    out = {
        "k": int(gm.n_components),
        "weights": gm.weights_.tolist(),
        "means": gm.means_.tolist(),
        "covariances": [c.reshape(-1).tolist() for c in full_covariances(gm, dim)],
        "converged": bool(gm.converged_),
        "iterations": int(gm.n_iter_),
        "logLikelihood": ll,
        "bic": float(bic),
        "aic": float(gm.aic(x)),
        "seconds": seconds,
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
