"""Writes sentencepiece's `nmt_nfkc` normalization rules as a precompiled charsmap (the bytes a
tokenizer.json's `Precompiled` normalizer carries, base64-encoded, for XLM-R and so
bge-reranker-v2-m3), to the path given as the only argument.

sentencepiece compiles its rules into a model when it trains one; a tiny model is trained on a
few lines here only to read the compiled rules back out of it.
"""
import io
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

TRAINING_LINES = [
    "the quick brown fox jumps over the lazy dog",
    "a reranker scores each document against the query",
    "multilingual text needs the same normalization everywhere",
] * 20


def main(path: str) -> None:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAINING_LINES),
        model_writer=model,
        vocab_size=40,
        normalization_rule_name="nmt_nfkc",
        minloglevel=2,
    )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    charsmap = proto.normalizer_spec.precompiled_charsmap
    if not charsmap:
        raise SystemExit("sentencepiece wrote a model without a precompiled charsmap")
    with open(path, "wb") as out:
        out.write(charsmap)
    print(f"{path}: nmt_nfkc charsmap, {len(charsmap)} bytes, sentencepiece {spm.__version__}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: nmt-nfkc-charsmap.py OUTPUT.bin")
    main(sys.argv[1])
