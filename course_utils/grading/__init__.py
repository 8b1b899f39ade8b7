"""Grading that a submission cannot game: nbgrader plug-ins and the sandbox.

Wired into plain ``nbgrader autograde``, ``nbgrader generate_feedback`` and
the formgrader by the course's ``nbgrader_config.py``. Students never import
this package; THREAT_MODEL.md beside this file says what is defended, how,
and what is out of scope. Nothing is imported here, so that a sandboxed
kernel can load :mod:`.wire` without nbgrader.
"""
