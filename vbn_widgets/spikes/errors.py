"""The error of the spikes package: a ValueError, so widgets show it as the user's mistake."""


class SpikeError(ValueError):
    """Bad spike trains, events, windows or bins; the message names the value at fault."""
