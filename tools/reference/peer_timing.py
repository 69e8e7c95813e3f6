"""How bench/peers.ts times a Python peer: one warm-up run (the first run grows the runtime's
memory arena and, for PyTorch, picks its kernels), then the best of `rounds` runs."""
import math
import time


def sigmoid(values):
    return [1.0 / (1.0 + math.exp(-float(value))) for value in values]


def timed(run, rounds, pairs):
    """{"scores", "pairsPerSecond"} of the fastest of `rounds` runs after a warm-up."""
    run()
    best = math.inf
    scores = []
    for _ in range(rounds):
        start = time.perf_counter()
        scores = run()
        best = min(best, time.perf_counter() - start)
    return {"scores": [float(score) for score in scores], "pairsPerSecond": pairs / best}
