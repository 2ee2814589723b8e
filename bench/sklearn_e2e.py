#!/usr/bin/python3
"""scikit-learn's GaussianMixture, fit + sample, for bench/e2e.ts.

usage: sklearn_e2e.py DATA.f64 DIM K N_INIT SEED COUNT OUT.f64

Reads the rows (raw little-endian float64, row-major), fits GaussianMixture(n_components=K,
n_init=N_INIT, random_state=SEED) with its defaults otherwise (covariance_type="full"), draws
COUNT rows with gm.sample and writes them to OUT.f64, then times gm.score_samples on the data
rows (the log-density of each). Prints one JSON object: wall (perf_counter) and CPU
(process_time, all threads) seconds of the fit, of the sampling and of score_samples
(interpreter start-up and file reading excluded), peak RSS, convergence and the BLAS in use.
BLAS threads are left as the machine sets them (what a user of scikit-learn gets).
"""
import json
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture


def main():
    path, dim, k, n_init, seed, count, out = sys.argv[1:8]
    dim, k, n_init, seed, count = int(dim), int(k), int(n_init), int(seed), int(count)
    x = np.fromfile(path, dtype="<f8").reshape(-1, dim)
    c0, t0 = time.process_time(), time.perf_counter()
    gm = GaussianMixture(n_components=k, n_init=n_init, random_state=seed).fit(x)
    t1, c1 = time.perf_counter(), time.process_time()
    samples, _ = gm.sample(count)
    t2, c2 = time.perf_counter(), time.process_time()
    np.ascontiguousarray(samples, dtype="<f8").tofile(out)
    c3, t3 = time.process_time(), time.perf_counter()
    gm.score_samples(x)
    t4, c4 = time.perf_counter(), time.process_time()
    try:
        from threadpoolctl import threadpool_info
        blas = [{key: d.get(key) for key in ("internal_api", "version", "architecture", "num_threads")}
                for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:
        blas = None
    json.dump({
        "sklearn": sklearn.__version__, "numpy": np.__version__,
        "fit_wall": t1 - t0, "fit_cpu": c1 - c0, "sample_wall": t2 - t1, "sample_cpu": c2 - c1,
        "score_wall": t4 - t3, "score_cpu": c4 - c3, "score_rows": int(x.shape[0]),
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "converged": bool(gm.converged_), "iterations": int(gm.n_iter_), "covariance_type": gm.covariance_type,
        "blas": blas,
    }, sys.stdout)


if __name__ == "__main__":
    main()
