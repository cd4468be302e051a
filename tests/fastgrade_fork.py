"""The kernel's side of tests/fastgrade.py's forked grading (imported inside the shared kernel).

The kernel has run the cells every variant of a notebook shares (the reference's cells before the
variant's answer); ``fork_and_run`` runs the rest of one variant in a fork of the kernel's process, so
each variant starts from that state without running it again and leaves nothing behind. The fork
never touches the kernel's ZMQ sockets: what each piece of code prints or displays is captured with
IPython's ``capture_output`` and written as JSON to a file for the test process; the fork ends with
``os._exit``.
"""
import json
import os
import signal


def _outputs(ip, code: str) -> list[dict]:
    """Run one piece of code the way the kernel runs a cell; its outputs in nbformat's shape."""
    from IPython.utils.capture import capture_output

    with capture_output(stdout=True, stderr=True, display=True) as cap:
        result = ip.run_cell(code, store_history=False)
    outs = []
    if cap.stdout:
        outs.append({"output_type": "stream", "name": "stdout", "text": cap.stdout})
    if cap.stderr:
        outs.append({"output_type": "stream", "name": "stderr", "text": cap.stderr})
    for shown in cap.outputs:  # display() calls and the value of a cell's last expression
        outs.append({"output_type": "display_data", "data": shown.data, "metadata": shown.metadata or {}})
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        outs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error), "traceback": []})
    return outs


def fork_and_run(cells_path: str, out_path: str) -> None:
    """cells_path: JSON [[code, ...] per cell]; writes [[outputs of each code] per cell] to out_path."""
    with open(cells_path) as f:
        cells = json.load(f)
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            ip = get_ipython()  # noqa: F821 (the kernel's shell)
            ip._showtraceback = lambda *args, **kwargs: None  # it would publish on the kernel's socket
            data = [[_outputs(ip, code) for code in cell] for cell in cells]
            with open(out_path, "w") as f:
                json.dump(data, f)
        except BaseException:  # noqa: BLE001 -- the parent sees no file and says so
            status = 1
        os._exit(status)
    try:
        _, status = os.waitpid(pid, 0)
    except BaseException:  # interrupted (a timeout): the fork goes too
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    if status != 0 or not os.path.exists(out_path):
        raise RuntimeError(f"the forked grading ended without results (status {status})")
