"""The onnxruntime peers for bench/peers.ts, on the same stand-in files webrerank loads: Hugging
Face `tokenizers` + Python onnxruntime as a Python user writes it, as one padded batch and as a
loop of one pair per run, for fp32 and q8.

Reads {"dir", "query", "documents", "maxLength", "threads", "rounds"} as JSON from the file named
by the first argument; writes {"peers": {peer: {"scores", "pairsPerSecond"}}, "pairTokens" (the
shortest and longest pair, in tokens), "versions"} to the second.
"""
import json
import sys

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from peer_timing import sigmoid, timed
from reference_pipeline import pair_ids as pair


def main(job_path, out_path):
    with open(job_path, encoding="utf-8") as job_file:
        job = json.load(job_file)
    tokenizer = Tokenizer.from_file(job["dir"] + "/tokenizer.json")
    documents = job["documents"]
    lengths = [len(pair(tokenizer, job["query"], document, job["maxLength"])) for document in documents]
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
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"peers": results, "pairTokens": [min(lengths), max(lengths)], "versions": {"onnxruntime": onnxruntime.__version__}}, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
