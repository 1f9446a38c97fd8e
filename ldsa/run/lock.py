"""One run at a time per folder, and folders that can be written, checked before any job.

Two runs writing into one reports folder would each list only their own reports, and
their work folders' records would mix. A run therefore holds an exclusive ``flock`` on
``<folder>/.ldsa-lock`` (holding its pid) in its reports and work folders from before it
plans anything until it ends; a second run is refused at once, naming the holder. The
kernel drops the lock when its holder dies, so the file a killed run leaves behind is
simply taken over. The file is removed when the run ends: it is never part of a release.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ldsa.errors import FolderBusyError, InvalidParameterError

#: The lock file's name, in each folder a run writes into.
LOCK = ".ldsa-lock"


@contextlib.contextmanager
def run_lock(*folders: tuple[Path, str]) -> Iterator[None]:
    """Create each folder if absent and hold its lock until the block ends.

    ``folders`` are (folder, option) pairs; the option (for example ``--out``) names the
    folder in errors. A folder given twice is locked once.

    Raises
    ------
    InvalidParameterError
        When a folder is a file, lies inside one, or cannot be created or written.
    FolderBusyError
        When another process holds a folder's lock.
    """
    created: list[Path] = []
    with contextlib.ExitStack() as stack:
        seen: set[Path] = set()
        try:
            for folder, option in folders:
                if not folder.exists():
                    created.append(folder)
                writable_folder(folder, option)
                if (key := folder.resolve()) not in seen:
                    seen.add(key)
                    stack.enter_context(_held(folder, option))
        except BaseException:
            stack.close()
            for folder in reversed(created):  # refused: leave no empty folder behind
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        yield


def writable_folder(folder: Path, option: str) -> Path:
    """Create ``folder`` (and its parents) if absent, or check that it is a folder.

    Raises
    ------
    InvalidParameterError
        When ``folder`` is a file, lies inside one, or cannot be created.
    """
    how = f"How to fix: give {option} a folder you can write to (absent, or an earlier run's)."
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InvalidParameterError(f"{option} {folder}: a file, not a folder. {how}") from None
    except NotADirectoryError:
        raise InvalidParameterError(f"{option} {folder}: lies inside a file. {how}") from None
    except OSError as error:
        raise InvalidParameterError(
            f"{option} {folder}: cannot be created ({error.strerror}). {how}"
        ) from None
    return folder


@contextlib.contextmanager
def _held(folder: Path, option: str) -> Iterator[None]:
    path = folder / LOCK
    descriptor = _acquire(path, option)
    try:
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        # Removed while still held: a run that opened it meanwhile finds it gone and
        # locks a new file (see _acquire).
        path.unlink(missing_ok=True)
        os.close(descriptor)


def _acquire(path: Path, option: str) -> int:
    """An open descriptor of ``path`` holding its exclusive lock."""
    folder = path.parent
    while True:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise InvalidParameterError(
                f"{option} {folder}: cannot be written ({error.strerror}). How to fix: give "
                f"{option} a folder you can write to."
            ) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise FolderBusyError(
                f"{option} {folder}: another ldsa run ({holder}) is writing into this folder. "
                f"How to fix: wait for it to end, or give {option} another folder."
            ) from None
        except OSError as error:
            os.close(descriptor)
            raise InvalidParameterError(
                f"{option} {folder}: cannot be locked ({error.strerror}), so a second run "
                f"could write into it too. How to fix: give {option} a folder on a local disk."
            ) from None
        if _still_there(descriptor, path):
            return descriptor
        os.close(descriptor)  # its holder removed it as we opened it: lock the new one


def _still_there(descriptor: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except FileNotFoundError:
        return False


def _holder(descriptor: int) -> str:
    """Who holds the lock, as its file says (a pid), for the error message."""
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"
