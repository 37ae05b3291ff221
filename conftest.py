"""Doctest collection over `tsrnn/`: the integration with sktime is collected where sktime is
installed (CI's interoperability environment), and left out elsewhere."""
import importlib.util

collect_ignore = [] if importlib.util.find_spec("sktime") else ["tsrnn/integrations/sktime.py"]
