"""The HTTP API (FastAPI + uvicorn): `app.py` assembles the apps, `common.py` holds what every
router shares, and `routers/` has one module per resource."""
