"""The interpreter of a pytest-xdist worker when the suite runs under gevent (tests/conftest.py): gevent patches it
before anything is imported, as `python -m gevent.monkey --module pytest` patches the one-process run, and then it
runs execnet's bootstrap, which execnet passes as `python -u -c CODE`."""
import sys

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import stat  # noqa: E402

from gevent.fileobject import FileObjectPosix  # noqa: E402

standard_fdopen = os.fdopen


def cooperative_fdopen(fd, mode="r", buffering=-1, encoding=None, *args, closefd=True, **kwargs):
    """execnet's bootstrap opens the worker's two pipes to the main process with os.fdopen and reads the first on a
    thread; a thread is a greenlet here, and a plain read would hold up the whole process until the main process
    writes, tests included. So these two pipes read and write through gevent's hub, as gevent's subprocess pipes
    do; after them os.fdopen is the standard one again."""
    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
        return standard_fdopen(fd, mode, buffering, encoding, *args, closefd=closefd, **kwargs)
    cooperative_fdopen.pipes += 1
    if cooperative_fdopen.pipes == 2:
        os.fdopen = standard_fdopen
    return FileObjectPosix(fd, mode, buffering, encoding=encoding, closefd=closefd)


cooperative_fdopen.pipes = 0
os.fdopen = cooperative_fdopen
options, code = sys.argv[1:sys.argv.index("-c")], sys.argv[sys.argv.index("-c") + 1]
sys.dont_write_bytecode = "-B" in options  # `-u` needs nothing: execnet flushes its pipe after each message
sys.argv = ["-c"]
sys.path[0] = ""  # as `python -c` has it, not this file's folder
exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})
