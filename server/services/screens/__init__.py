"""What screens see, in one place: room names, the sequence rule, public views, events as typed
records, and the snapshot a client gets on connect (docs/contract.md, "Socket.IO").

Import the submodules themselves (`from .screens import rooms`); this package imports nothing, so
using one part never drags in the others.
"""
