"""Rehearse a service day: a discrete-event simulation that drives the real `server.engine`."""
