"""askdocs/serve/page"""
