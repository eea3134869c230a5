"""The web side: the antenne staff console (aiohttp, jinja2)."""
