"""Provider simulator: a Flask telephony provider speaking several dialects."""
