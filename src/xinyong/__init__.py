"""xinyong (信用): public credit information, lists, rights and credit reporting as they actually work."""

__version__ = "0.1.0"
