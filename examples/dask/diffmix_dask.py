#!/usr/bin/env python3
"""Fit and sample diffmix on a Dask cluster, one `diffmix` command per shard.

    python3 diffmix_dask.py SHARDS/ OUT/ [--scheduler tcp://host:8786 | --workers 2]
        [--plan-rows 100000] [--seed 0] [--fit-args "--degree 2"] [--samples N --sample-parts K]

SHARDS/ holds the data as files (.csv, .npy, .parquet), taken in name order as one table. The
workers run the `diffmix` command (--diffmix: the command line that starts it) on paths they
can all read and write: a shared file system (NFS, a cluster's scratch), or one machine.

  1. rows    diffmix rows SHARD, per shard: each shard's first row is the sum of the rows
             before it (--first-row), which names its rows' noise
  2. plan    diffmix plan SHARD… on one worker: map, σ₀, regions, degree from a seeded sample
             of --plan-rows rows (one read of the data; the same sample however it is cut)
  3. stats   diffmix stats PLAN SHARD --first-row K, per shard
  4. merge   diffmix merge A B, pairwise as a tree (sums add: any order or grouping)
  5. solve   diffmix solve PLAN ALL -> OUT/model.json
  6. sample  diffmix sample MODEL -n N_k --start K_k, per part: the parts, in order, are the
             rows of one `diffmix sample MODEL -n N` (OUT/samples/part-*.npy)

Prints one JSON object: the files written, the rows, and each step's seconds. Without
--scheduler it starts a LocalCluster of --workers processes (one thread each).
"""
import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

from dask.distributed import Client, LocalCluster

TABLES = (".csv", ".npy", ".parquet", ".parq")


def diffmix(command, args):
    """Runs `command args` on a worker; its one-line error becomes the task's error."""
    r = subprocess.run([*command, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"diffmix {' '.join(args[:1])} failed (exit {r.returncode}): {r.stderr.strip()}")
    return r.stdout


def count_rows(command, shard):
    return json.loads(diffmix(command, ["rows", shard]))["rows"]


def make_plan(command, shards, out, extra):
    diffmix(command, ["plan", *shards, "-o", out, "-q", *extra])
    return out


def shard_stats(command, plan, shard, first, out, extra):
    diffmix(command, ["stats", plan, shard, "--first-row", str(first), "-o", out, "-q", *extra])
    return out


def merge_stats(command, a, b, out):
    diffmix(command, ["merge", a, b, "-o", out, "-q"])
    return out


def solve(command, plan, stats, out):
    diffmix(command, ["solve", plan, stats, "-o", out, "-q"])
    return out


def sample_part(command, model, start, count, out, extra):
    diffmix(command, ["sample", model, "-n", str(count), "--start", str(start), "-o", out, "-q", *extra])
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("shards", type=Path, help="folder of .csv/.npy/.parquet shards, in name order")
    p.add_argument("out", type=Path, help="folder for the plan, stats, model and samples")
    p.add_argument("--scheduler", help="a Dask scheduler's address (default: a LocalCluster)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    p.add_argument("--diffmix", default="diffmix", help='the command that runs diffmix (default "diffmix"; e.g. "npx diffmix")')
    p.add_argument("--plan-rows", type=int, default=100_000, help="rows the plan is chosen on (default 100000)")
    p.add_argument("--seed", type=int, help="the fit's seed (default: diffmix's, 0)")
    p.add_argument("--fit-args", default="", help='more options for diffmix plan, e.g. "--degree 2 --levels 20"')
    p.add_argument("--threads", type=int, help="--threads for each diffmix stats and sample (default: diffmix's, the cores)")
    p.add_argument("--samples", type=int, default=0, help="samples to draw from the model (default 0: none)")
    p.add_argument("--sample-parts", type=int, default=4, help="tasks the samples are drawn in (default 4)")
    p.add_argument("--sample-seed", type=int, default=0, help="the samples' seed (default 0)")
    p.add_argument("--sample-args", default="", help='more options for diffmix sample, e.g. "--method ode"')
    a = p.parse_args(argv)

    command = shlex.split(a.diffmix)
    shards = sorted(str(f.resolve()) for f in a.shards.iterdir() if f.suffix.lower() in TABLES)
    if not shards:
        sys.exit(f"diffmix_dask: no .csv, .npy or .parquet files in {a.shards}")
    out = a.out.resolve()
    (out / "stats").mkdir(parents=True, exist_ok=True)
    threads = ["--threads", str(a.threads)] if a.threads else []
    seconds = {}

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        t = time.perf_counter()
        rows = client.gather(client.map(count_rows, [command] * len(shards), shards, pure=False))
        firsts = [sum(rows[:k]) for k in range(len(shards))]
        seconds["rows"] = time.perf_counter() - t

        t = time.perf_counter()
        extra = ["--plan-rows", str(a.plan_rows), *(["--seed", str(a.seed)] if a.seed is not None else []), *shlex.split(a.fit_args)]
        plan = client.submit(make_plan, command, shards, str(out / "plan.json"), extra, pure=False).result()
        seconds["plan"] = time.perf_counter() - t

        t = time.perf_counter()
        parts = [client.submit(shard_stats, command, plan, s, k, str(out / "stats" / f"{Path(s).stem}.stats"), threads, pure=False)
                 for s, k in zip(shards, firsts)]
        level = 0
        while len(parts) > 1:  # a tree of pairwise merges; Dask runs each as soon as its inputs exist
            merged = [client.submit(merge_stats, command, parts[i], parts[i + 1], str(out / "stats" / f"merge-{level}-{i // 2}.stats"), pure=False)
                      for i in range(0, len(parts) - 1, 2)]
            parts = merged + parts[len(parts) - len(parts) % 2:]
            level += 1
        model = client.submit(solve, command, plan, parts[0], str(out / "model.json"), pure=False).result()
        all_stats = parts[0].result()
        seconds["stats, merge, solve"] = time.perf_counter() - t

        samples = []
        if a.samples > 0:
            t = time.perf_counter()
            (out / "samples").mkdir(exist_ok=True)
            k = max(1, min(a.sample_parts, a.samples))
            starts = [a.samples * j // k for j in range(k + 1)]
            sample_extra = ["--seed", str(a.sample_seed), *threads, *shlex.split(a.sample_args)]
            samples = client.gather([client.submit(sample_part, command, model, starts[j], starts[j + 1] - starts[j],
                                                   str(out / "samples" / f"part-{j:05d}.npy"), sample_extra, pure=False) for j in range(k)])
            seconds["sample"] = time.perf_counter() - t
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    print(json.dumps({"model": model, "plan": plan, "stats": all_stats, "rows": sum(rows), "shards": len(shards),
                      "first_rows": firsts, "samples": samples, "seconds": {k: round(v, 2) for k, v in seconds.items()}}))


if __name__ == "__main__":
    main()
