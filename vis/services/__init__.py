"""The service layer: what the command line, the pages, the demo and the benchmarks ask of VIS.

Each module holds one job (``briefings``, ``evaluation``, ``jobs``, ``engines``) and raises
:class:`vis.services.errors.ServiceError` for work it cannot do; nothing here prints or parses
arguments. Import the modules themselves: this package imports nothing on its own.
"""
