#!/usr/bin/python3
"""Native baseline for bench/kernels.ts: OpenBLAS through numpy/scipy, one thread.

usage: openblas.py JSON_SPEC

JSON_SPEC: {"gram": [{"p", "m", "samples", "budget"}, ...], "cholesky": [p, ...], "samples": S}

Gram: G += ΦᵀΦ (upper triangle) streamed over m rows in 256-row blocks, the block reused as
bench/kernels.ts does, by scipy.linalg.blas.dsyrk (trans=1, beta=1, overwrite_c) when scipy is
there, else numpy `G += B.T @ B` (a full GEMM; flops still counted as m·p·(p+1)). The block is
contiguous (lda = 256: the wrapper takes no leading dimension; OpenBLAS packs it anyway).
A sample times whole passes of m rows, or a prefix of the blocks when one pass would exceed
`budget` seconds (then "subsampled" is true). Wall (perf_counter) and CPU (process_time)
seconds per sample; the caller takes medians.

Cholesky: scipy.linalg.cho_factor + cho_solve of an SPD p×p system with one right-hand side.

Prints one JSON object. Run it with OPENBLAS_NUM_THREADS=1 and, to get the kernel OpenBLAS
picks for this CPU, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (bench/kernels.ts does both).
"""
import json
import os
import sys
import time

import numpy as np

BLOCK = 256


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"threadpoolctl": None}
    return {"threadpoolctl": [
        {k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer", "filepath")}
        for d in threadpool_info() if d.get("user_api") == "blas"
    ]}


def gram_runner(p):
    rng = np.random.default_rng(12345)
    B = np.asfortranarray(rng.random((BLOCK, p)) - 0.5)
    G = np.zeros((p, p), order="F")
    try:
        from scipy.linalg.blas import dsyrk
    except ImportError:
        dsyrk = None
    if dsyrk is not None:
        out = dsyrk(1.0, B, beta=1.0, c=G, trans=1, lower=0, overwrite_c=1)
        if not np.shares_memory(out, G):  # the wrapper copied: fall back rather than time copies
            dsyrk = None
    G[:] = 0
    if dsyrk is not None:
        def step():
            dsyrk(1.0, B, beta=1.0, c=G, trans=1, lower=0, overwrite_c=1)
        method = "scipy.linalg.blas.dsyrk"
    else:
        BT = B.T

        def step():
            np.add(G, BT @ B, out=G)
        method = "numpy G += B.T @ B (gemm)"
    return step, G, method


def time_gram(p, m, samples, budget):
    step, G, method = gram_runner(p)
    calls = max(1, m // BLOCK)
    # warm up and calibrate: seconds per block
    t0 = time.perf_counter()
    k = 0
    while k < 3 or time.perf_counter() - t0 < min(0.05, budget / 4):
        step()
        k += 1
    per_call = (time.perf_counter() - t0) / k
    pass_s = per_call * calls
    if pass_s > budget:
        timed_calls, passes, sub = max(1, int(budget / per_call)), 1, True
    else:
        timed_calls, passes, sub = calls, max(1, int(budget / pass_s)), False
    wall, cpu = [], []
    for _ in range(samples):
        G[:] = 0
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(passes):
            for _ in range(timed_calls):
                step()
        w1, c1 = time.perf_counter(), time.process_time()
        wall.append(w1 - w0)
        cpu.append(c1 - c0)
    return {
        "p": p, "m": m, "method": method, "rows_per_sample": passes * timed_calls * BLOCK,
        "flops_per_sample": passes * timed_calls * BLOCK * p * (p + 1), "subsampled": sub,
        "wall": wall, "cpu": cpu, "check": float(G[0, p - 1]),
    }


def time_cholesky(p, samples):
    from scipy.linalg import cho_factor, cho_solve
    rng = np.random.default_rng(7)
    X = rng.random((2 * p + 16, p)) - 0.5
    A = X.T @ X + np.eye(p)
    b = rng.random(p)
    out = []
    for _ in range(samples + 1):
        Ac = A.copy(order="F")
        t0 = time.perf_counter()
        c = cho_factor(Ac, lower=False, overwrite_a=True, check_finite=False)
        x = cho_solve(c, b, check_finite=False)
        out.append(time.perf_counter() - t0)
    return {"p": p, "seconds": out[1:], "residual": float(np.abs(A @ x - b).max())}


def main():
    spec = json.loads(sys.argv[1])
    result = {
        "numpy": np.__version__,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")},
        "blas": blas_info(),
        "gram": [time_gram(g["p"], g["m"], g["samples"], g["budget"]) for g in spec.get("gram", [])],
    }
    try:
        import scipy
        result["scipy"] = scipy.__version__
        result["cholesky"] = [time_cholesky(p, spec.get("samples", 5)) for p in spec.get("cholesky", [])]
    except ImportError:
        result["scipy"] = None
        result["cholesky"] = []
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
