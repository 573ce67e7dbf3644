"""askdocs/serve/http/routers"""
