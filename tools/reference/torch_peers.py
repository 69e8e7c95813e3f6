"""The PyTorch peers for bench/peers.ts, on the same weights webrerank loads: the stand-in's fp32
ONNX file mapped onto `XLMRobertaForSequenceClassification` (onnx_to_transformers.py), then
scored as a user of each library writes it, on the CPU: sentence-transformers' `CrossEncoder`
(`predict`, its default batch of 32: one padded batch here) and FlagEmbedding's `FlagReranker`
(`compute_score(normalize=True)`) where FlagEmbedding is installed.

Reads {"dir", "query", "documents", "maxLength", "threads", "rounds"} as JSON from the file named
by the first argument; writes {"peers": {peer: {"scores", "pairsPerSecond"} or {"skipped"}},
"versions"} to the second. Runs in the environment tools/reference/make-peers-python.sh makes.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import sentence_transformers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import CrossEncoder  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

from onnx_to_transformers import convert  # noqa: E402
from peer_timing import timed  # noqa: E402
from reference_pipeline import pair_ids  # noqa: E402

# make-peers-python.sh leaves this file in the environment when FlagEmbedding would not install.
FLAG_EMBEDDING_UNAVAILABLE = os.path.join(sys.prefix, "flagembedding-unavailable.txt")


def check_same_inputs(cross_encoder, job):
    """CrossEncoder tokenizes pairs with transformers' tokenizer and cuts the longest side first;
    the other peers build FlagReranker's pairs with HF `tokenizers`. Scores are compared only on
    the same ids, so a difference here is named as what it is, not left to look like a model's."""
    reference = Tokenizer.from_file(os.path.join(job["dir"], "tokenizer.json"))
    encoded = cross_encoder.tokenizer([job["query"]] * len(job["documents"]), job["documents"], truncation=True, max_length=job["maxLength"])
    for index, document in enumerate(job["documents"]):
        if encoded["input_ids"][index] != pair_ids(reference, job["query"], document, job["maxLength"]):
            raise SystemExit(f"torch_peers: CrossEncoder's tokenizer gives other ids than HF tokenizers for document {index}: the scores would not compare the same inputs")


def cross_encoder_peer(model_dir, job):
    cross_encoder = CrossEncoder(model_dir, device="cpu", max_length=job["maxLength"], activation_fn=torch.nn.Sigmoid())
    check_same_inputs(cross_encoder, job)
    pairs = [(job["query"], document) for document in job["documents"]]
    return timed(lambda: cross_encoder.predict(pairs, show_progress_bar=False), job["rounds"], len(pairs))


def flag_reranker_peer(model_dir, job):
    try:
        from FlagEmbedding import FlagReranker
    except ImportError as error:
        if os.path.exists(FLAG_EMBEDDING_UNAVAILABLE):
            with open(FLAG_EMBEDDING_UNAVAILABLE, encoding="utf-8") as reason:
                return {"skipped": reason.read().strip()}
        return {"skipped": f"FlagEmbedding cannot be imported: {error}"}
    reranker = FlagReranker(model_dir, use_fp16=False, devices="cpu")
    pairs = [[job["query"], document] for document in job["documents"]]
    return timed(lambda: reranker.compute_score(pairs, normalize=True, max_length=job["maxLength"]), job["rounds"], len(pairs))


def main(job_path, out_path):
    with open(job_path, encoding="utf-8") as job_file:
        job = json.load(job_file)
    torch.set_num_threads(job["threads"])
    with tempfile.TemporaryDirectory(prefix="webrerank-torch-peer-") as model_dir:
        convert(job["dir"], model_dir)
        peers = {
            "sentence-transformers-cross-encoder-fp32": cross_encoder_peer(model_dir, job),
            "flagembedding-flag-reranker-fp32": flag_reranker_peer(model_dir, job),
        }
    versions = {"torch": torch.__version__, "transformers": transformers.__version__, "sentence-transformers": sentence_transformers.__version__}
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"peers": peers, "versions": versions}, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
