"""Composition roots: what wires the core together and faces a person or a process.

The command line (`carecall.cli`, one module per command group), the web app factory and its
WSGI entry, the worker's start-up, the demo, `converse`, and the simulated phone network. The
core (`assistant`) never imports this package.
"""
