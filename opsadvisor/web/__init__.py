"""The workbench: a local web page over a folder of scenario files (`opsadvisor serve`, extra `web`).

Imported only by `opsadvisor serve`, so the other commands never load Starlette or uvicorn.
"""
