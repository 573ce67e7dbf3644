"""askdocs/search"""
