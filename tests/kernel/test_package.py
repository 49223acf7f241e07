"""The student's path (issue 19): `pip install nslab` + `nslab lab`, for real.

The repository is built as a user would get it (`python -m build`: an sdist, and the wheel
built from that sdist; `twine check` passes); the wheel is installed into a venv made from
Debian's /usr/bin/python3 under /var/tmp, outside the clone; a throw-away unprivileged user
then runs `nslab workbook` from a folder of its own: English, then Chinese (NSLAB_LANG), and
every relative link of every workbook notebook resolves inside the workbook. Bad inputs: an
unknown --lang lists the languages there are, a home the user cannot write is a clear error
that creates nothing. `nslab lab` serving the Chinese notebook 03 in the sandbox kernel, with
Chinese widget labels (Playwright, Chromium), is the last test here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.sandboxing import (
    REPO,
    SYSTEM_PYTHON,
    as_user,
    assert_host_untouched,
    host_network_state,
    run,
)

pytestmark = pytest.mark.kernel

PACKAGE_VENV = Path(os.environ.get("NSLAB_PACKAGE_VENV", "/var/tmp/nslab-package-venv"))
# what the build needs from the repository (a copy: the build never writes into the clone)
BUILD_INPUTS = ("nslab", "notebooks", "docs", "pyproject.toml", "setup.py", "MANIFEST.in",
                "README.md", "README.zh-CN.md", "LICENSE")
LINK = re.compile(r"\]\(([^)\s]+)\)|href=\"([^\"]+)\"|src=\"([^\"]+)\"")


def course_files() -> list[str]:
    """What the wheel must carry: every notebook of the repository and the linked docs."""
    nbs = [str(p.relative_to(REPO)) for p in sorted((REPO / "notebooks").rglob("*.ipynb"))
           if ".ipynb_checkpoints" not in p.parts]
    return [*nbs, "docs/glossary.md", "docs/glossary.zh-CN.md", "docs/article-steps.md"]


@pytest.fixture(scope="module")
def dist() -> Iterator[Path]:
    """sdist and wheel of this tree, built like a release; removed afterwards."""
    pytest.importorskip("build", reason="pip install build (nslab's test extra)")
    src = Path(tempfile.mkdtemp(prefix="nslab-build-src-"))
    out = Path(tempfile.mkdtemp(prefix="nslab-dist-", dir="/var/tmp"))
    try:
        for name in BUILD_INPUTS:
            path = REPO / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns(
                    "__pycache__", "*.mo", ".ipynb_checkpoints"))
            elif path.exists():
                shutil.copy2(path, src / name)
        r = run([sys.executable, "-m", "build", "--outdir", str(out), str(src)], timeout=600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        yield out
    finally:
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def wheel_of(dist: Path) -> Path:
    (wheel,) = dist.glob("nslab-*.whl")
    return wheel


def test_build_carries_the_course_and_passes_twine(dist: Path) -> None:
    pytest.importorskip("twine", reason="pip install twine (nslab's test extra)")
    r = run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())])
    assert r.returncode == 0 and r.stdout.count("PASSED") == 2, r.stdout + r.stderr
    names = set(zipfile.ZipFile(wheel_of(dist)).namelist())
    missing = [f for f in course_files() if f"nslab/course/{f}" not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert "nslab/locale/zh_CN/LC_MESSAGES/nslab.mo" in names
    assert len(course_files()) >= 35  # 6 tutorials + 10 exercises, in two languages, + docs
    (sdist,) = dist.glob("nslab-*.tar.gz")
    import tarfile

    with tarfile.open(sdist) as tar:
        inside = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert not [f for f in course_files() if f not in inside], "the sdist lacks the course"


@pytest.fixture(scope="module")
def package_venv(dist: Path) -> Path:
    """A venv from /usr/bin/python3, outside the clone, with the wheel pip-installed (its
    dependencies installed once and kept while pyproject.toml stays the same)."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"{SYSTEM_PYTHON} is missing (apt-get install python3 python3-venv)")
    py = PACKAGE_VENV / "bin" / "python"
    if not py.exists():
        r = run([SYSTEM_PYTHON, "-m", "venv", str(PACKAGE_VENV)])
        if r.returncode:
            pytest.skip(f"cannot make a venv ({r.stderr.strip()}); apt-get install python3-venv")
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    stamp = PACKAGE_VENV / ".nslab-deps"
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        r = run(pip + [str(wheel_of(dist)), "nbclient>=0.10"], timeout=1200)
        assert r.returncode == 0, r.stdout + r.stderr
        stamp.write_text(digest)
    r = run(pip + ["--no-deps", "--force-reinstall", str(wheel_of(dist))], timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run([str(py), "-c", "import nslab, sys; print(nslab.__file__)"], cwd="/")  # not ./nslab
    assert r.returncode == 0 and r.stdout.startswith(str(PACKAGE_VENV)), r.stdout + r.stderr
    return PACKAGE_VENV


@pytest.fixture()
def student(sandbox_user: pwd.struct_passwd) -> Iterator[pwd.struct_passwd]:
    """The throw-away user, with an empty home for each test (its workbook removed after)."""
    home = Path(sandbox_user.pw_dir)
    before = set(home.iterdir())
    yield sandbox_user
    for p in set(home.iterdir()) - before:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()


def elsewhere(user: pwd.struct_passwd) -> Path:
    """A folder of the user's that is neither the clone nor the workbook."""
    d = Path(user.pw_dir) / "somewhere" / "else"
    if not d.exists():
        as_user(user, PACKAGE_VENV, ["mkdir", "-p", str(d)])
    return d


def dead_links(book: Path) -> tuple[int, list[str]]:
    """(how many relative links the workbook's notebooks have, those that do not resolve
    to a file inside the workbook)."""
    total, dead = 0, []
    root = book.resolve()
    for nb_path in sorted(book.rglob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for m in LINK.finditer(cell.source):
                target = next(g for g in m.groups() if g).split("#")[0]
                if not target or re.match(r"^[a-z][a-z0-9+.-]*:|^/", target, re.I):
                    continue
                total += 1
                aim = (nb_path.parent / target).resolve()
                if not aim.exists() or root not in [aim, *aim.parents]:
                    dead.append(f"{nb_path.relative_to(book)} -> {target}")
    return total, dead


def test_workbook_from_the_wheel_in_both_languages(package_venv: Path, student) -> None:
    cwd = elsewhere(student)
    r = as_user(student, package_venv, ["nslab", "workbook"], cwd=cwd)
    assert r.returncode == 0, r.stdout + r.stderr
    book = Path(student.pw_dir) / "nslab-workbook"
    assert r.stdout.strip() == str(book)
    assert "copied 16 notebooks" in r.stderr, r.stderr
    tutorials = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in book.glob("*.ipynb")) == tutorials
    assert len(list((book / "exercises").glob("*.ipynb"))) == 10
    assert (book / "docs" / "glossary.md").is_file()
    assert not (book / "zh-CN").exists()  # the English edition only, until asked

    r = as_user(student, package_venv, ["nslab", "workbook"], cwd=cwd,
                env={"NSLAB_LANG": "zh_CN"})
    assert r.returncode == 0, r.stdout + r.stderr
    zh = book / "zh-CN"
    assert r.stdout.strip() == str(zh)
    assert "已把 16 个笔记本" in r.stderr, r.stderr  # nslab speaks Chinese too
    assert sorted(p.name for p in zh.glob("*.ipynb")) == tutorials
    text = (zh / "03-veth-pair.ipynb").read_text(encoding="utf-8")
    assert len(re.findall("[\u4e00-\u9fff]", text)) > 500, "the Chinese notebooks"
    assert (zh / "docs" / "glossary.zh-CN.md").is_file()
    assert len(list((zh / "reference").glob("*.ipynb"))) == len(tutorials)

    total, dead = dead_links(book)
    assert total >= 80 and dead == [], dead  # both editions: notebooks and their references
    owner = {p.stat().st_uid for p in [book, *book.rglob("*")]}
    assert owner == {student.pw_uid}, "everything in the workbook belongs to the student"


def test_unknown_language_and_unwritable_home(package_venv: Path, student) -> None:
    cwd = elsewhere(student)
    r = as_user(student, package_venv, ["nslab", "workbook", "--lang", "xx"], cwd=cwd)
    assert r.returncode == 1 and "'xx'" in r.stderr and "en, zh_CN" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    r = as_user(student, package_venv, ["nslab", "lab", "--lang", "xx", "--dry-run"], cwd=cwd)
    assert r.returncode == 1 and "en, zh_CN" in r.stderr, r.stderr
    assert not (Path(student.pw_dir) / "nslab-workbook").exists()

    # a home the student cannot write (root's, mode 755)
    locked = Path(tempfile.mkdtemp(prefix="nslab-readonly-home-", dir="/var/tmp"))
    try:
        locked.chmod(0o755)
        r = as_user(student, package_venv, ["nslab", "workbook"], cwd=cwd,
                    env={"HOME": str(locked)})
        assert r.returncode == 1, r.stdout + r.stderr
        assert f"{locked}/nslab-workbook" in r.stderr and "NSLAB_WORKBOOK" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        # the workbook elsewhere, but the kernel's home still unwritable: a clear error too
        r = as_user(student, package_venv, ["nslab", "lab", "--dry-run"], cwd=cwd,
                    env={"HOME": str(locked), "NSLAB_WORKBOOK": str(locked / "wb")})
        assert r.returncode == 1 and "JUPYTER_DATA_DIR" in r.stderr, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
        assert list(locked.iterdir()) == []
        r = as_user(student, package_venv, ["nslab", "lab", "--no-browser", "--port=1"],
                    cwd=cwd, env={"HOME": str(locked)}, timeout=120)
        assert r.returncode == 1 and "NSLAB_WORKBOOK" in r.stderr, r.stdout + r.stderr
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(locked, ignore_errors=True)


def test_older_workbook_gets_new_notebooks_and_keeps_work(package_venv: Path, student) -> None:
    cwd = elsewhere(student)
    env = {"NSLAB_LANG": "zh_CN"}
    assert as_user(student, package_venv, ["nslab", "workbook"], cwd=cwd, env=env).returncode == 0
    zh = Path(student.pw_dir) / "nslab-workbook" / "zh-CN"
    mine = zh / "03-veth-pair.ipynb"
    edit = ("import nbformat, sys\np = sys.argv[1]\nnb = nbformat.read(p, as_version=4)\n"
            "nb.cells.append(nbformat.v4.new_markdown_cell('我的笔记'))\nnbformat.write(nb, p)\n")
    r = as_user(student, package_venv, ["python", "-c", edit, str(mine)], cwd=cwd)
    assert r.returncode == 0, r.stderr
    # what an older nslab left: no notebook 05, no exercise 10, no docs/
    for p in (zh / "05-nat-and-ports.ipynb", zh / "exercises" / "10-router-no-answer.ipynb"):
        p.unlink()
    shutil.rmtree(zh / "docs")
    r = as_user(student, package_venv, ["nslab", "workbook"], cwd=cwd, env=env)
    assert r.returncode == 0, r.stderr
    assert "我的笔记" in mine.read_text(encoding="utf-8")
    assert (zh / "05-nat-and-ports.ipynb").exists()
    assert (zh / "exercises" / "10-router-no-answer.ipynb").exists()
    assert (zh / "docs" / "glossary.zh-CN.md").exists()
    assert "2 个新的笔记本" in r.stderr, r.stderr


def test_the_doctor_names_each_missing_tool_with_its_package(package_venv: Path,
                                                            student) -> None:
    """A PATH with none of the system's tools: every one the package needs is named with
    its Debian package."""
    empty = Path(tempfile.mkdtemp(prefix="nslab-empty-path-", dir="/var/tmp"))
    try:
        code = ("import nslab._tools as t, nslab.doctor as d\n"
                "t.SYSTEM_DIRS = ()\n"
                "for b in d.BINARIES: print(d.check_binary(b))\n")
        r = subprocess.run(
            ["runuser", "-u", student.pw_name, "--", "env", "-i", f"HOME={student.pw_dir}",
             f"PATH={empty}", "LANG=C.UTF-8", str(package_venv / "bin" / "python"), "-c", code],
            capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    assert r.returncode == 0, r.stderr
    for tool, package in (("ip", "iproute2"), ("ping", "iputils-ping"), ("dot", "graphviz"),
                          ("tcpdump", "tcpdump"), ("nft", "nftables")):
        line = next((ln for ln in r.stdout.splitlines() if f"binary: {tool}" in ln), "")
        assert package in r.stdout.split(f"binary: {tool}", 1)[1].split("binary:", 1)[0], \
            (tool, r.stdout)
        assert line, r.stdout


# -- `nslab lab` from the wheel, in a real Chromium -------------------------------------------

STEPPER_ZH = ("运行步骤", "后退", "重置")  # Run step, Back, Reset in the Chinese catalogue


@pytest.mark.browser
def test_nslab_lab_serves_the_chinese_notebook_03_in_the_sandbox(package_venv: Path,
                                                                 student) -> None:
    """`nslab lab --lang zh_CN` as the student (the wheel's course, the sandbox kernel):
    Run All of the Chinese notebook 03 in Chromium, no error, the ping and the capture
    done in the sandbox, and the Stepper's buttons in Chinese."""
    from tests.browser import jupyterlab as jl
    from tests.sandboxing import end_processes_of

    if not os.access(jl.CHROMIUM, os.X_OK):
        pytest.skip(f"{jl.CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    before = host_network_state()
    port, token = jl.free_port(), os.urandom(16).hex()
    settings = Path(student.pw_dir) / ".jupyter" / "lab" / "user-settings"
    as_user(student, package_venv, ["mkdir", "-p", str(settings)])
    env = [f"HOME={student.pw_dir}", f"USER={student.pw_name}", "LANG=C.UTF-8",
           f"PATH={package_venv}/bin:/usr/local/bin:/usr/bin:/bin"]  # a student's PATH
    argv = ["nslab", "lab", "--lang", "zh_CN", "--no-browser", f"--port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"]
    log = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen(
        ["runuser", "-u", student.pw_name, "--", "env", "-i", *env, *argv],
        stdout=log, stderr=subprocess.STDOUT, cwd=str(elsewhere(student)),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, server, log)
        with jl.browser_page(1280, 800) as page:
            try:
                jl.open_notebook(page, f"{base}/lab/tree/zh-CN/03-veth-pair.ipynb"
                                       f"?token={token}&reset", timeout=90_000)
                kernel = page.locator(".jp-NotebookPanel .jp-KernelName").first.inner_text()
                assert "nslab sandbox" in kernel, kernel
                assert page.locator(".jp-OutputArea-output").count() == 0  # fresh copy
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.locator(".nslab-stepper").wait_for(timeout=90_000)
                jl.wait_all_cells_ran(page, 240_000)
                page.wait_for_selector(jl.KERNEL_IDLE, timeout=120_000)
                stepper = page.locator(".nslab-stepper")
                labels = stepper.locator("button").all_text_contents()
                assert all(word in " ".join(labels) for word in STEPPER_ZH), (
                    labels, stepper.count(), stepper.first.inner_html()[:3000])
                text = page.locator(".jp-NotebookPanel").text_content()  # off-screen cells too
                # one cell raises on purpose (a /32 address: InvalidAddress); nothing else
                errors = re.findall(r"\b[A-Z]\w*(?:Error|Exception)\b", text)
                assert errors == [], (errors, text[-3000:])
                assert "InvalidAddress" in text
                assert "1 received" in text or "1/1" in text, text[-3000:]
                assert "网络命名空间" in text and "ARP" in text, text[-3000:]
                jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
                stepper.scroll_into_view_if_needed()
                page.screenshot(path=str(jl.ARTIFACTS / "package-zh-03.png"))
            except Exception:
                jl.ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(jl.ARTIFACTS / "package-zh-03-failure.png"),
                                full_page=True)
                raise
    finally:
        with contextlib.suppress(OSError):
            _post(f"{base}/api/shutdown?token={token}")
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.terminate()  # our own runuser process, by PID
            server.wait(timeout=10)
        end_processes_of(student)  # a kernel left behind, by PID
        log.seek(0)
        server_log = log.read()
    assert "--KernelManager.transport=ipc" in server_log, server_log[-3000:]
    assert "zh-CN/00-start-here.ipynb" in server_log, server_log[-3000:]
    assert_host_untouched(before, host_network_state())


def _post(url: str) -> None:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(url, method="POST", data=b""), timeout=10)


def _wait_for_server(base: str, token: str, server: subprocess.Popen, log) -> None:  # noqa: ANN001
    """Until the server answers (it copies the workbook first); fails if it exits."""
    import time
    import urllib.request

    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                return
        except OSError:
            if server.poll() is not None:
                log.seek(0)
                pytest.fail(f"nslab lab exited early:\n{log.read()}")
            time.sleep(0.3)
