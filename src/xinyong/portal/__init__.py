"""The public portal: a Credit China that people can use, server-rendered (Jinja2 + htmx),
in Chinese and English, every page with a JSON twin at the same path plus ``.json``."""
