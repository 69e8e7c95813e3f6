"""The reference pipeline for the differential test: Hugging Face `tokenizers` (the Rust library
FlagReranker, sentence-transformers and TEI tokenize with) and Python onnxruntime, on the same
tokenizer.json and ONNX files webrerank loads.

One process answers a whole job, read as JSON from the file named by the first argument and
written as JSON to the second:
  {"tokenizer": PATH, "texts": [...], "pairs": [{"maxLength", "query", "documents"}],
   "scores": [{"model": PATH, "maxLength", "query", "documents"}]}
gives
  {"ids": [[...]] (each text, no special tokens),
   "normalized": [...] (each text through the tokenizer's normalizer alone),
   "pairs": [[[...]]] (each request's model inputs, FlagReranker's way),
   "scores": [[...]] (each request's sigmoid scores, one pair per run)}.
"""
import json
import math
import sys

import numpy as np
import onnxruntime
from tokenizers import Tokenizer


def pair_ids(tokenizer: Tokenizer, query: str, document: str, max_length: int):
    """FlagReranker's pair: the query capped at 3/4 of max_length, only the document cut, the
    template around both. None when the capped query leaves the document no room."""
    query_encoding = tokenizer.encode(query, add_special_tokens=False)
    query_encoding.truncate(max_length * 3 // 4)
    room = max_length - len(query_encoding.ids) - tokenizer.num_special_tokens_to_add(is_pair=True)
    if room < 1:
        return None
    document_encoding = tokenizer.encode(document, add_special_tokens=False)
    document_encoding.truncate(room)
    return tokenizer.post_process(query_encoding, document_encoding, add_special_tokens=True).ids


def main(job_path: str, out_path: str) -> None:
    with open(job_path, encoding="utf-8") as job_file:
        job = json.load(job_file)
    tokenizer = Tokenizer.from_file(job["tokenizer"])
    texts = job.get("texts", [])
    ids = [encoding.ids for encoding in tokenizer.encode_batch(texts, add_special_tokens=False)]
    normalizer = tokenizer.normalizer
    normalized = [normalizer.normalize_str(text) for text in texts] if normalizer is not None else texts
    pairs = [
        [pair_ids(tokenizer, request["query"], document, request["maxLength"]) for document in request["documents"]]
        for request in job.get("pairs", [])
    ]
    sessions = {}
    scores = []
    for request in job.get("scores", []):
        session = sessions.get(request["model"])
        if session is None:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            session = onnxruntime.InferenceSession(request["model"], options, providers=["CPUExecutionProvider"])
            sessions[request["model"]] = session
        row = []
        for document in request["documents"]:
            input_ids = np.array([pair_ids(tokenizer, request["query"], document, request["maxLength"])], dtype=np.int64)
            (logits,) = session.run(["logits"], {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)})
            row.append(1.0 / (1.0 + math.exp(-float(logits[0][0]))))
        scores.append(row)
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"ids": ids, "normalized": normalized, "pairs": pairs, "scores": scores}, out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: reference_pipeline.py JOB.json OUT.json")
    main(sys.argv[1], sys.argv[2])
