"""The bundled sample site: four Chinese article sites with real-world boilerplate and faults.

`python -m samplesite serve --port 0` prints the base URL on its first line and serves until
SIGTERM/SIGINT. See docs/sample-site.md for the URL map.

Imports only itself, the standard library (its server is http.server) and PyYAML; the rest
of the project uses it in tests, benchmarks and the demo, never at module level in corpus.
"""
