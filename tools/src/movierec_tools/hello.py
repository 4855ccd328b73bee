"""The bench's baseline: a bare FastAPI hello endpoint, no middleware, no I/O."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
