"""llama.cpp's OpenAI-compatible server (xllamacpp, in-process) for a GGUF file, on loopback.

    <models>/llama-server/venv/bin/python scripts/llama-server.py --model FILE --port 8081 [--threads 1] [--ctx 4096] [--alias NAME]

Serves /v1/chat/completions (JSON schema, SSE streaming with usage) and /v1/models until SIGTERM/SIGINT.
Prints one line "READY http://127.0.0.1:PORT" on stdout when it answers. Installed by
`npm run models -- install llama-server`; used by the real-model tests and as YZ_LLM=openai without another server.
"""
import argparse
import signal
import sys
import threading

import xllamacpp as xlc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--alias", default=None)
    ap.add_argument("--parallel", type=int, default=1)
    a = ap.parse_args()

    params = xlc.CommonParams()
    params.model.path = a.model
    params.n_ctx = a.ctx
    params.n_parallel = a.parallel
    params.cpuparams.n_threads = a.threads
    params.cpuparams_batch.n_threads = a.threads
    params.hostnames = [a.host]
    params.port = a.port
    params.warmup = False
    if a.alias:
        params.model_alias = {a.alias}  # a set, not a string
    server = xlc.Server(params)
    print(f"READY {server.listening_address}", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
