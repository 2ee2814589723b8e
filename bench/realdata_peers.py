#!/usr/bin/python3
"""Data and peers for bench/realdata.ts: one process per data set.

usage: realdata_peers.py NAME OUTDIR [--splits S] [--seed SEED]

NAME is one of moons, pinwheel, checkerboard (FFJORD's toys, 10 000 rows, generated here
with fixed seeds) or iris, wine, breast_cancer, diabetes, boston, digits (scikit-learn's copies, read from
/usr/lib/python3/dist-packages/sklearn/datasets/data/ at run time; numeric columns only,
diabetes with its raw features, boston without its target).

Steps, in this order:
1. the raw rows (float64);
2. dequantisation of grid-valued columns (see grid_step): x += U(-step/2, step/2), one fixed
   seed, on all rows before anything else, so every method sees the same values;
3. the 80/20 splits: one for sets of 2000 rows or more, otherwise 5; split i is a permutation
   with seed 1000 + i and the first ceil(0.2 m) rows are the test rows;
4. per split, on z-scored training data (scaler fitted on the training rows only), with the
   log-Jacobian -sum(log sd) added back so that every number is nats in the raw units:
   - GaussianMixture(covariance_type="full", n_init=3, random_state=SEED) for k = 1..10,
     the lowest training BIC kept (n_init 3 as bench/sklearn_gmm.py is called by the harness);
   - KernelDensity(kernel="gaussian") with the bandwidth chosen by GridSearchCV (5-fold KFold,
     default scoring = held-out total log-likelihood) over a log grid of 25 values per three
     decades (10^-2 .. 10 in z units), extended by a decade whenever the choice is at an end,
     then over 9 values between the chosen value's neighbours;
   - the exact log-density where it is known (moons: uniform on two arcs convolved with
     N(0, 0.2^2 I), by composite Gauss-Legendre quadrature over the arc parameter, converged to
     1e-8 and checked once against Monte Carlo; checkerboard: 1/32 on its eight 2 x 2 squares).
   Fit times are wall seconds inside Python (the BIC sweep and the CV search included),
   one BLAS thread.

Writes OUTDIR/split{i}.train.f64 and .test.f64 (raw little-endian float64, row-major, after
dequantisation), OUTDIR/split{i}.{gmm,kde,exact}.f64 (per test row log-densities), and prints
one JSON object on stdout.
"""
import json
import math
import os
import sys
import time

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KernelDensity

DATA_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
TOY_ROWS = 10000
SMALL = 2000  # sets with fewer rows get 5 splits
DATA_SEED = 20240418
DEQUANT_SEED = 7

# ----------------------------------------------------------------------------------------------
# Data


def toy(name, n, seed):
    """FFJORD's lib/toy_data.py generators, with a seeded RandomState for every draw."""
    rng = np.random.RandomState(seed)
    if name == "moons":
        data = datasets.make_moons(n_samples=n, noise=0.1, random_state=rng)[0]
        data = data.astype("float32")
        return data * 2 + np.array([-1, -0.2])
    if name == "pinwheel":
        radial_std, tangential_std, num_classes, rate = 0.3, 0.1, 5, 0.25
        num_per_class = n // 5
        rads = np.linspace(0, 2 * np.pi, num_classes, endpoint=False)
        features = rng.randn(num_classes * num_per_class, 2) * np.array([radial_std, tangential_std])
        features[:, 0] += 1.0
        labels = np.repeat(np.arange(num_classes), num_per_class)
        angles = rads[labels] + rate * np.exp(features[:, 0])
        rotations = np.stack([np.cos(angles), -np.sin(angles), np.sin(angles), np.cos(angles)])
        rotations = np.reshape(rotations.T, (-1, 2, 2))
        return 2 * rng.permutation(np.einsum("ti,tij->tj", features, rotations))
    if name == "checkerboard":
        x1 = rng.rand(n) * 4 - 2
        x2_ = rng.rand(n) - rng.randint(0, 2, n) * 2
        x2 = x2_ + (np.floor(x1) % 2)
        return np.concatenate([x1[:, None], x2[:, None]], 1) * 2
    raise ValueError(name)


def table(name):
    """scikit-learn's bundled CSVs: a header line (rows, columns, class names), then rows with the label last."""
    if name == "diabetes":
        return np.loadtxt(os.path.join(DATA_DIR, "diabetes_data_raw.csv.gz"))
    if name == "digits":
        return np.loadtxt(os.path.join(DATA_DIR, "digits.csv.gz"), delimiter=",")[:, :64]
    if name == "boston":
        # Its first line is a count, its second the column names; the target MEDV last.
        return np.loadtxt(os.path.join(DATA_DIR, "boston_house_prices.csv"), delimiter=",", skiprows=2)[:, :13]
    file = {"iris": "iris.csv", "wine": "wine_data.csv", "breast_cancer": "breast_cancer.csv"}[name]
    path = os.path.join(DATA_DIR, file)
    with open(path) as f:
        m, n = (int(v) for v in f.readline().split(",")[:2])
    x = np.loadtxt(path, delimiter=",", skiprows=1)
    assert x.shape == (m, n + 1), (path, x.shape)
    return x[:, :n]


SOURCES = {
    "moons": "FFJORD toy_data.py 'moons': make_moons(n, noise=0.1) x 2 + [-1, -0.2]",
    "pinwheel": "FFJORD toy_data.py 'pinwheel': 5 classes, radial sd 0.3, tangential sd 0.1, rate 0.25",
    "checkerboard": "FFJORD toy_data.py 'checkerboard': uniform on 8 of the 16 2x2 squares of [-4, 4]^2",
    "iris": "scikit-learn iris.csv, 4 numeric columns",
    "wine": "scikit-learn wine_data.csv, 13 numeric columns",
    "breast_cancer": "scikit-learn breast_cancer.csv, 30 numeric columns",
    "diabetes": "scikit-learn diabetes_data_raw.csv.gz, the 10 raw features",
    "boston": "scikit-learn boston_house_prices.csv, the 13 features (MEDV, the target, left out)",
    "digits": "scikit-learn digits.csv.gz, the 64 pixel counts (0-16) of 8x8 images",
}


def grid_step(col):
    """The column's grid step, or None.

    A column is grid-valued when at least 99% of its values are integer multiples of 10^-d
    for some d in 0..10 (|v - round(v)| <= 1e-6 + 8 eps |v| for v = x 10^d): the precision it
    was recorded at, the smallest such d, so that one stray value (wine's "9.899999" among
    two-decimal values) does not refine the grid of a whole column. Its step is g 10^-d with
    g the gcd of those integers (a column of even numbers has step 2). Values stored as
    float32 or computed in floating point (the toys) are on no such grid.
    """
    for d in range(11):
        v = col * 10.0 ** d
        r = np.round(v)
        on = np.abs(v - r) <= 1e-6 + 8 * np.finfo(float).eps * np.abs(v)
        if on.mean() >= 0.99:
            ints = np.abs(r[on]).astype(np.int64)
            ints = ints[ints > 0]
            g = int(np.gcd.reduce(ints)) if ints.size else 1
            return g * 10.0 ** -d, float(1 - on.mean())
    return None, None


def dequantise(x):
    steps = [grid_step(x[:, j]) for j in range(x.shape[1])]
    rng = np.random.RandomState(DEQUANT_SEED)
    u = rng.uniform(-0.5, 0.5, size=x.shape)
    out = x.copy()
    cols = []
    for j, (s, off) in enumerate(steps):
        if s is not None:
            out[:, j] += u[:, j] * s
            cols.append({"column": j, "step": s, "distinct": int(np.unique(x[:, j]).size), "offGrid": off})
    return out, cols


def splits(m, count):
    test = math.ceil(0.2 * m)
    out = []
    for i in range(count):
        p = np.random.RandomState(1000 + i).permutation(m)
        out.append((np.sort(p[test:]), np.sort(p[:test])))
    return out


# ----------------------------------------------------------------------------------------------
# Exact densities

MOON_ARCS = [((-1.0, -0.2), 0.0), ((1.0, 0.8), math.pi)]  # centre, start angle; radius 2, half-circles
MOON_R, MOON_S = 2.0, 0.2


def moons_logpdf(x, panels=64, nodes=16):
    """log of 0.5 * sum over the arcs of (1/pi) * int N(x; c + 2(cos th, sin th), 0.04 I) dth."""
    g, w = np.polynomial.legendre.leggauss(nodes)
    edges = np.linspace(0.0, math.pi, panels + 1)
    th = (0.5 * (edges[:-1, None] + edges[1:, None]) + 0.5 * (edges[1:, None] - edges[:-1, None]) * g[None, :]).ravel()
    wt = (0.5 * (edges[1:, None] - edges[:-1, None]) * w[None, :]).ravel()
    s2 = MOON_S ** 2
    terms = []
    for (cx, cy), start in MOON_ARCS:
        px = cx + MOON_R * np.cos(th + start)
        py = cy + MOON_R * np.sin(th + start)
        q = -((x[:, 0:1] - px[None, :]) ** 2 + (x[:, 1:2] - py[None, :]) ** 2) / (2 * s2)
        top = q.max(axis=1, keepdims=True)
        terms.append(top[:, 0] + np.log(np.exp(q - top) @ wt))
    t = np.stack(terms, 1)
    top = t.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(t - top).sum(axis=1))
    return lse + math.log(0.5 / math.pi) - math.log(2 * math.pi * s2)


def moons_check(x, seed):
    """Quadrature converged (64 vs 256 panels) and against a Monte-Carlo mean over the arcs."""
    a = moons_logpdf(x)
    b = moons_logpdf(x, panels=256, nodes=20)
    pts = x[:200]
    rng = np.random.RandomState(seed)
    draws = 200000
    s2 = MOON_S ** 2
    dens = np.zeros(len(pts))
    sq = np.zeros(len(pts))
    for (cx, cy), start in MOON_ARCS:
        th = start + rng.uniform(0, math.pi, draws)
        px, py = cx + MOON_R * np.cos(th), cy + MOON_R * np.sin(th)
        for i0 in range(0, len(pts), 50):
            p = pts[i0:i0 + 50]
            v = 0.5 * np.exp(-((p[:, 0:1] - px) ** 2 + (p[:, 1:2] - py) ** 2) / (2 * s2)) / (2 * math.pi * s2)
            dens[i0:i0 + 50] += v.mean(axis=1)
            sq[i0:i0 + 50] += v.var(axis=1) / draws
    mc = np.log(dens)
    se = np.sqrt(sq) / dens  # delta method: sd of log of the Monte-Carlo mean
    z = (a[:200] - mc) / se
    return {
        "quadrature": "composite Gauss-Legendre over the arc angle, 64 panels x 16 nodes per arc",
        "maxAbsChangeAt256x20": float(np.max(np.abs(a - b))),
        "monteCarlo": {"points": int(len(pts)), "drawsPerArc": draws, "maxAbsDiff": float(np.max(np.abs(a[:200] - mc))),
                       "maxAbsZ": float(np.max(np.abs(z))), "meanDiff": float(np.mean(a[:200] - mc)), "meanSE": float(np.mean(se))},
    }


def checkerboard_logpdf(x):
    """1/32 on the squares with floor(x1/2) + floor(x2/2) even, within [-4, 4]^2; 0 elsewhere."""
    i, j = np.floor(x[:, 0] / 2), np.floor(x[:, 1] / 2)
    inside = (np.abs(x[:, 0]) <= 4) & (np.abs(x[:, 1]) <= 4) & ((i + j) % 2 == 0)
    return np.where(inside, -math.log(32.0), -np.inf)


EXACT = {"moons": moons_logpdf, "checkerboard": checkerboard_logpdf}

# ----------------------------------------------------------------------------------------------
# Peers


def gmm_bic(z, seed):
    t0 = time.perf_counter()
    best = None
    bics = []
    for k in range(1, 11):
        gm = GaussianMixture(n_components=k, covariance_type="full", n_init=3, random_state=seed).fit(z)
        bic = gm.bic(z)
        bics.append(float(bic))
        if best is None or bic < best[0]:
            best = (bic, gm)
    return best[1], time.perf_counter() - t0, bics


def kde_cv(z):
    t0 = time.perf_counter()
    lo, hi = -2.0, 1.0  # log10 bandwidth, z-scored units
    searches = 0
    while True:
        grid = np.logspace(lo, hi, int(round((hi - lo) * 25 / 3)) + 1)
        search = GridSearchCV(KernelDensity(kernel="gaussian"), {"bandwidth": grid}, cv=KFold(5)).fit(z)
        searches += 1
        h = search.best_params_["bandwidth"]
        if h == grid[0]:
            lo -= 1.0
        elif h == grid[-1]:
            hi += 1.0
        else:
            break
    # then 9 values between the best one's neighbours (ratio 1.07)
    i = int(np.argmin(np.abs(grid - h)))
    fine = np.logspace(math.log10(grid[i - 1]), math.log10(grid[i + 1]), 11)[1:-1]
    search = GridSearchCV(KernelDensity(kernel="gaussian"), {"bandwidth": fine}, cv=KFold(5)).fit(z)
    h = search.best_params_["bandwidth"]
    kde = KernelDensity(kernel="gaussian", bandwidth=h).fit(z)
    return kde, h, time.perf_counter() - t0, {"log10Range": [lo, hi], "values": int(grid.size), "searches": searches, "fine": 9}


def write(path, a):
    np.ascontiguousarray(a, dtype="<f8").tofile(path)


def main():
    args = sys.argv[1:]
    name, out = args[0], args[1]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    if name in ("moons", "pinwheel", "checkerboard"):
        raw = toy(name, TOY_ROWS, DATA_SEED)
    elif name in SOURCES:
        raw = table(name)
    else:
        raise SystemExit(f"realdata_peers.py: unknown data set {name!r} (known: {', '.join(SOURCES)})")
    raw = np.asarray(raw, dtype=np.float64)
    x, deq = dequantise(raw)
    m, n = x.shape
    count = 1 if m >= SMALL else 5
    if "--splits" in args:
        count = int(args[args.index("--splits") + 1])
    os.makedirs(out, exist_ok=True)
    result = {"name": name, "source": SOURCES[name], "rows": m, "dim": n, "dequantised": deq,
              "dequantSeed": DEQUANT_SEED, "dataSeed": DATA_SEED if name in ("moons", "pinwheel", "checkerboard") else None,
              "sklearn": sklearn.__version__, "numpy": np.__version__, "splits": []}
    for i, (tr, te) in enumerate(splits(m, count)):
        xtr, xte = x[tr], x[te]
        write(os.path.join(out, f"split{i}.train.f64"), xtr)
        write(os.path.join(out, f"split{i}.test.f64"), xte)
        mu, sd = xtr.mean(axis=0), xtr.std(axis=0)
        jac = -float(np.log(sd).sum())
        ztr, zte = (xtr - mu) / sd, (xte - mu) / sd
        gm, gsec, bics = gmm_bic(ztr, seed)
        lg = gm.score_samples(zte) + jac
        kde, h, ksec, grid = kde_cv(ztr)
        lk = kde.score_samples(zte) + jac
        write(os.path.join(out, f"split{i}.gmm.f64"), lg)
        write(os.path.join(out, f"split{i}.kde.f64"), lk)
        s = {"train": int(len(tr)), "test": int(len(te)), "zscoreLogJacobian": jac,
             "gmm": {"mean": float(lg.mean()), "k": int(gm.n_components), "seconds": gsec, "bic": bics,
                     "converged": bool(gm.converged_)},
             "kde": {"mean": float(lk.mean()), "bandwidth": float(h), "seconds": ksec, "grid": grid}}
        if name in EXACT:
            le = EXACT[name](xte)
            write(os.path.join(out, f"split{i}.exact.f64"), le)
            s["exact"] = {"mean": float(le.mean())}
            if name == "moons" and i == 0:
                s["exact"]["check"] = moons_check(xte, seed + 1)
        result["splits"].append(s)
        print(f"{name} split {i}: GMM k={gm.n_components} {lg.mean():.4f} ({gsec:.1f} s), KDE h={h:.4g} {lk.mean():.4f} ({ksec:.1f} s)"
              + (f", exact {s['exact']['mean']:.4f}" if "exact" in s else ""), file=sys.stderr)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
