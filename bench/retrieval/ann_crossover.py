"""Where an approximate FAISS index (HNSW) starts to pay off over exact IndexFlatIP for 384-d vectors.

Run: ``python bench/retrieval/ann_crossover.py``. Random normalised vectors, one query at a time
(as the assistant queries), 2 threads. Prints per-query p50 latency for both, HNSW recall@10 against
the exact result, and HNSW build time. The chosen cut-over is ``knowledge.index.HNSW_MIN_VECTORS``.
"""

from __future__ import annotations

import statistics
import time

import faiss
import numpy as np

DIM = 384


def main() -> None:
    faiss.omp_set_num_threads(2)
    rng = np.random.default_rng(0)
    queries = rng.standard_normal((200, DIM)).astype(np.float32)
    faiss.normalize_L2(queries)
    print(f"{'vectors':>8} {'flat p50 ms':>12} {'hnsw p50 ms':>12} {'hnsw R@10':>10} {'hnsw build s':>13}")
    for n in (1_000, 5_000, 20_000, 50_000, 100_000):
        data = rng.standard_normal((n, DIM)).astype(np.float32)
        faiss.normalize_L2(data)
        flat = faiss.IndexFlatIP(DIM)
        flat.add(data)
        hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        start = time.perf_counter()
        hnsw.add(data)
        build = time.perf_counter() - start
        hnsw.hnsw.efSearch = 64
        timings: dict[str, list[float]] = {"flat": [], "hnsw": []}
        recall = 0.0
        for q in queries:
            q = q[None, :]
            t0 = time.perf_counter()
            _, exact = flat.search(q, 10)
            t1 = time.perf_counter()
            _, approx = hnsw.search(q, 10)
            t2 = time.perf_counter()
            timings["flat"].append((t1 - t0) * 1000)
            timings["hnsw"].append((t2 - t1) * 1000)
            recall += len(set(exact[0]) & set(approx[0])) / 10
        print(
            f"{n:8d} {statistics.median(timings['flat']):12.3f} {statistics.median(timings['hnsw']):12.3f} "
            f"{recall / len(queries):10.3f} {build:13.2f}"
        )


if __name__ == "__main__":
    main()
