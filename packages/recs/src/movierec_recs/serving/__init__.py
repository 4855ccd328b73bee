"""The online side: the newest model over the live catalog, scoring with reasons, the API."""
