"""askdocs/serve/http"""
