"""Training, evaluation and analysis of the detector model.

Only ``model.py``, ``export.py``, ``train.py`` and ``crossval.py`` need tensorflow (the ``train`` extra);
``channels``, ``data``, ``cache``, ``sampler``, ``metrics``, ``evaluate``, ``card_plots`` and ``card_tables``
run with the runtime dependencies (LiteRT) alone.
"""
