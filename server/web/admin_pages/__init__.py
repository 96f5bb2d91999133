"""One module per administration area; each defines ORDER, SECTIONS and its page routes on
`server.web.admin.bp` (see server/web/admin.py)."""
