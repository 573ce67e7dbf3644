"""askdocs/serve"""
