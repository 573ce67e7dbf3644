"""The page's own CSS: marks, citation lines, closeness bars, the viewer's blocks."""

STYLE = """<style>
mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: .2em; }
.askdocs-term { font-weight: 600; text-decoration: underline dotted; }
.askdocs-cite { font-size: .85rem; opacity: .8; }
.askdocs-passage { line-height: 1.55; overflow-wrap: anywhere; }
.askdocs-bar { display: inline-block; width: 6rem; height: .5rem; background: #e5e7eb; border-radius: .25rem; vertical-align: middle; }
.askdocs-bar > span { display: block; height: 100%; background: #16a34a; border-radius: .25rem; }
.askdocs-weak > span { background: #9ca3af; }
.askdocs-answer { font-size: 1.15rem; line-height: 1.6; overflow-wrap: anywhere; }
.askdocs-block { line-height: 1.55; overflow-wrap: anywhere; margin: .35rem 0; padding: .1rem .6rem; }
.askdocs-cited { border-left: .25rem solid #f59e0b; background: #fffbeb; }
.askdocs-heading { font-weight: 600; font-size: .9rem; opacity: .75; margin-top: .6rem; }
.askdocs-table { border-collapse: collapse; font-size: .9rem; }
.askdocs-table th, .askdocs-table td { border: 1px solid #e5e7eb; padding: .2rem .5rem; text-align: left; }
.askdocs-cited-row { background: #fde68a; }
.askdocs-sign-in { display: inline-block; padding: .45rem 1.2rem; border-radius: .5rem; background: #ff4b4b; color: white !important; text-decoration: none; font-weight: 600; }
</style>"""
