"""More of /api/v1, one module per area (administration, reports...): each adds its routes to
`server.api.bp`; server.api.init_app imports them all before registering the blueprint."""
