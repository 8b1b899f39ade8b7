"""course_utils.progress_bar: same items back, short plain-text report outside a notebook."""
from course_utils.progress_bar import progress


def test_yields_every_item_in_order():
    assert list(progress(range(5))) == [0, 1, 2, 3, 4]


def test_text_report_about_ten_lines_ending_at_total(capsys):
    list(progress(range(1000), desc="training"))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert lines[0] == "training: 100/1000"
    assert lines[-1] == "training: 1000/1000"


def test_short_loop_reports_every_item(capsys):
    list(progress(["a", "b", "c"]))
    assert capsys.readouterr().out.splitlines() == ["1/3", "2/3", "3/3"]


def test_unknown_total_reports_powers_of_ten(capsys):
    list(progress((i for i in range(250)), desc="sweep"))
    assert capsys.readouterr().out.splitlines() == ["sweep: 1", "sweep: 10", "sweep: 100"]


def test_widget_bar_counts_to_total(monkeypatch):
    import ipywidgets
    import course_utils.progress_bar as module

    shown = []
    monkeypatch.setattr(module, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert list(progress(range(7), desc="steps")) == list(range(7))
    (box,) = shown
    bar, label = box.children
    assert isinstance(bar, ipywidgets.IntProgress)
    assert (bar.value, bar.max) == (7, 7)
    assert label.value == "steps: 7/7"


def test_widget_bar_appears_only_once_work_is_done(monkeypatch):
    import course_utils.progress_bar as module

    shown = []
    monkeypatch.setattr(module, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    steps = progress(range(66), desc="forward difference")
    next(steps)
    assert shown == []          # the first step is still running: nothing to show yet
    try:
        steps.throw(NotImplementedError)   # the loop body fails, as a stub would
    except NotImplementedError:
        pass
    assert shown == []
