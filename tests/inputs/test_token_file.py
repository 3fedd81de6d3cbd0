"""``ece-o365 login --out FILE`` (issue 12 item 14): the token never goes into a file someone else owns,
a link, or a FIFO; it goes into a new owner-only file renamed over the target."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from pytest_ece_o365.cli.errors import CommandError
from pytest_ece_o365.cli.private_file import unsafe_target, write_private

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, FIFOs and owners")


@POSIX
def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("theirs\n", encoding="utf-8")
    link = tmp_path / "t.rt"
    link.symlink_to(victim)
    with pytest.raises(CommandError, match="symbolic link") as failure:
        write_private(link, "token\n")
    assert failure.value.exit_code == 4 and victim.read_text(encoding="utf-8") == "theirs\n"


@POSIX
def test_a_hard_link_is_refused_so_the_other_name_never_holds_the_token(tmp_path: Path) -> None:
    other = tmp_path / "other-name"
    other.write_text("old\n", encoding="utf-8")
    os.link(other, tmp_path / "t.rt")
    with pytest.raises(CommandError, match="hard links"):
        write_private(tmp_path / "t.rt", "token\n")
    assert other.read_text(encoding="utf-8") == "old\n"


@POSIX
def test_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "t.rt")
    assert "not a regular file" in unsafe_target(tmp_path / "t.rt")


@POSIX
def test_another_users_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "t.rt"
    target.write_text("theirs\n", encoding="utf-8")
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    os.chown(target, 65534, 65534)  # nobody
    assert "belongs to another user" in unsafe_target(target)
    with pytest.raises(CommandError, match="another user"):
        write_private(target, "token\n")
    assert target.read_text(encoding="utf-8") == "theirs\n"


@POSIX
def test_an_existing_own_file_is_replaced_by_a_new_owner_only_one(tmp_path: Path) -> None:
    target = tmp_path / "t.rt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o644)
    before = os.stat(target).st_ino
    write_private(target, "token\n")
    after = os.stat(target)
    assert target.read_text(encoding="utf-8") == "token\n"
    assert stat.S_IMODE(after.st_mode) == 0o600 and after.st_ino != before  # a new file, renamed over it
    assert sorted(path.name for path in tmp_path.iterdir()) == ["t.rt"]  # no temporary left behind
