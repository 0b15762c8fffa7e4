"""Arguments of ``qa-provenance spot-check`` (kept apart so building the parser stays light)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="files or directories (default: every dataset)")
    parser.add_argument("--verifier", choices=("local", "http", "openai"),
                        help="local (embedded, default), http (qa-verify/1 server) or openai")
    parser.add_argument("--verifier-url", metavar="URL", help="the verifier's base URL")
    parser.add_argument("--verifier-model", metavar="ID", help="the verifier's model id")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="records per file (overrides the computed sample size; a sample "
                        "smaller than the plan's is INCONCLUSIVE unless the exact test holds)")
    parser.add_argument("--seed", help="a public sampling seed, used instead of the secret key "
                        "in $QA_PROVENANCE_SAMPLE_KEY (recorded as seed: public; default: the "
                        "key, else the configuration's seed, else 'qa-provenance')")
    parser.add_argument("--token-env", metavar="NAME",
                        help="environment variable holding the verifier's API token (overrides "
                        "verifier.token_env)")
    parser.add_argument("--record", action="store_true",
                        help="append the result to each file's provenance under verifications")
    parser.add_argument("--attest-statement", metavar="FILE",
                        help="also write the verification as an unsigned in-toto Statement v1 "
                        "(subjects: the checked files) for actions/attest or cosign to sign")
    parser.add_argument("--shard", metavar="I/N",
                        help="sample only shard I of N (0 <= I < N; a CI matrix job) and write "
                        "the partial sample to --partial-out; large JSONL files are cut between "
                        "the shards, other files go whole to one")
    parser.add_argument("--partial-out", metavar="FILE",
                        help="where --shard writes its partial sample (JSON)")
    parser.add_argument("--merge", nargs="+", metavar="FILE",
                        help="merge the partial samples of every shard into the sample one pass "
                        "would draw, then verify (and --record) as usual")
    parser.add_argument("--recorded-digest", action="store_true",
                        help="with --shard: key a file cut between the shards by the digest "
                        "its provenance record states instead of reading the whole file (each "
                        "shard then reads only its part)")
