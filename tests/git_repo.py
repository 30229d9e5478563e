"""A git repository in a test's temporary folder (the stores directory as a deployment checks it out): git run
without the user's or the system's configuration, with an author of its own."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.se", "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.se"}


def git(repo: Path, *args: str) -> str:
    """git's output in `repo`, without the final newline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | _ENV
    done = subprocess.run(["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args], capture_output=True,
                          text=True, env=env, check=True)
    return done.stdout.removesuffix("\n")


def commit_all(repo: Path, message: str = "stores") -> str:
    """A repository at `repo` (made when there is none) with everything in it committed; the commit's sha."""
    if not (repo / ".git").exists():
        git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
