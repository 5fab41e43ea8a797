"""A bare endpoint on shopfloor's stack: the floor that HTTP requests are measured against.

One FastAPI app with one trivial route (``GET`` or ``POST`` :data:`PATH` answers a small
JSON object: no auth, no body read, no database), served by uvicorn (httptools and
uvloop, as installed with shopfloor) configured as ``shopfloor serve`` configures its
one worker: access log on, proxy headers off, the heap frozen after start-up.

    .venv/bin/python -m bench.bare --port 8009
"""

from __future__ import annotations

import argparse
import gc

import uvicorn
from fastapi import FastAPI

PATH = "/bare/"

app = FastAPI()


@app.api_route(PATH, methods=["GET", "POST"])
async def bare() -> dict[str, bool]:
    return {"ok": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="info",
                            proxy_headers=False)  # fmt: skip
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
