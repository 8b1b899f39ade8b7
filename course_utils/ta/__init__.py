"""TA tools: release, check the release, grade in parallel, feedback, export (``backprop-course``)."""
