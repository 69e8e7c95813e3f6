"""The Python peers for bench/peers.ts, on the same stand-in files webrerank loads: Hugging Face
`tokenizers` + onnxruntime as a Python user writes it (one padded batch; and a per-pair loop), and
PyTorch (sentence-transformers' CrossEncoder) where it is installed.

Reads {"dir", "query", "documents", "maxLength", "threads", "rounds"} as JSON from the file named
by the first argument; writes per peer scores and pairs/s to the second.
"""
import json
import math
import sys
import time

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from reference_pipeline import pair_ids as pair


def sigmoid(values):
    return [1.0 / (1.0 + math.exp(-float(value))) for value in values]


def timed(run, rounds, pairs):
    run()  # warm-up: the first run grows the runtime's arena
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        scores = run()
        best = min(best, time.perf_counter() - start)
    return {"scores": scores, "pairsPerSecond": pairs / best}


def main(job_path, out_path):
    with open(job_path, encoding="utf-8") as job_file:
        job = json.load(job_file)
    tokenizer = Tokenizer.from_file(job["dir"] + "/tokenizer.json")
    documents = job["documents"]
    results = {}
    for dtype, file in (("fp32", "model.onnx"), ("q8", "model_quantized.onnx")):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = job["threads"]
        session = onnxruntime.InferenceSession(job["dir"] + "/onnx/" + file, options, providers=["CPUExecutionProvider"])

        def padded_batch():
            rows = [pair(tokenizer, job["query"], document, job["maxLength"]) for document in documents]
            width = max(len(row) for row in rows)
            ids = np.ones((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for index, row in enumerate(rows):
                ids[index, : len(row)] = row
                mask[index, : len(row)] = 1
            (logits,) = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})
            return sigmoid(logits[:, 0])

        def per_pair():
            scores = []
            for document in documents:
                ids = np.array([pair(tokenizer, job["query"], document, job["maxLength"])], dtype=np.int64)
                (logits,) = session.run(["logits"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
                scores += sigmoid(logits[:, 0])
            return scores

        results[f"python-onnxruntime-padded-{dtype}"] = timed(padded_batch, job["rounds"], len(documents))
        results[f"python-onnxruntime-per-pair-{dtype}"] = timed(per_pair, job["rounds"], len(documents))
    try:
        import torch  # noqa: F401
        skipped = "PyTorch is installed, but mapping the stand-in's ONNX weights onto XLMRobertaForSequenceClassification is not implemented in this bench."
    except ImportError:
        skipped = "PyTorch is not installed: PyPI's torch wheel pulls gigabytes of CUDA packages and the CPU-only index is not reachable here."
    results["pytorch"] = {"skipped": skipped}
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(results, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
