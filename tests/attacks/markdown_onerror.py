"""Class 4: a markdown cell of the student's with <img onerror>, <svg onload>, <script>,
javascript: links (HTML and markdown syntax), <iframe srcdoc>, <object>, a meta refresh, <style>
with a remote import, and an attachment whose data breaks out of its attribute."""
import nbformat

CLASS = 4
TARGET = "test_loss"
MAX_SCORE = 1.0

PWN = ("document.title='PWNED';var e=document.createElement('div');e.id='bbh-pwned';"
       "document.body.appendChild(e)")
MARKDOWN = f"""# My notes

<img src=x onerror="{PWN}">
<svg onload="{PWN}"><circle r="1"/></svg>
<script>{PWN}</script>
<a href="javascript:{PWN}">link</a> [md link](javascript:{PWN}) [data](data:text/html,<script>{PWN}</script>)
<iframe srcdoc="<script>parent.{PWN}</script>"></iframe>
<object data="data:text/html,<script>{PWN}</script>"></object>
<meta http-equiv="refresh" content="0;url=javascript:{PWN}">
<style>@import url(http://example.com/x.css); body {{ background: url(http://example.com/x.png) }}</style>
<details open ontoggle="{PWN}"><summary>s</summary></details>
<math><maction actiontype="statusline" xlink:href="javascript:{PWN}">x</maction></math>
![remote](http://example.com/track.png) ![attached](attachment:evil.png)
<IMG SRC=x OnErRoR="{PWN}"> <img src="data:image/png;base64,x" onerror="{PWN}">
"""


def mutate(nb):
    cell = nbformat.v4.new_markdown_cell(MARKDOWN)
    cell.attachments = {"evil.png": {"image/png": f'x"><img src=x onerror="{PWN}">',
                                     "text/html": f"<script>{PWN}</script>"}}
    nb.cells.insert(3, cell)
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    first.source += f"\n\n<img src=x onerror=\"{PWN}\">"
