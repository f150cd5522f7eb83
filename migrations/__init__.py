"""The Alembic migrations of every area: one chain in ``versions/``.

Run them with ``scanscore db upgrade``; write a new one with
``scanscore db revision -m "what changes" --autogenerate`` after adding the area's model
module to ``MODEL_MODULES`` in ``env.py``.
"""
