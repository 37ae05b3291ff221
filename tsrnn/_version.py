"""The version of tsrnn, in one place (read by setup.cfg and written into every run)."""
__version__ = "0.1.0"
