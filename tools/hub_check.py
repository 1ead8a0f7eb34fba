"""Serve the lessons with JupyterHub on this machine, log in as a learner, run lessons through the learner's server.

    python tools/hub_check.py --hub-venv build/hub/venv --proxy build/hub/node_modules/.bin/configurable-http-proxy \\
        --lessons 02_ner_fine_tuning 03_sentiment_analysis

It tests the recipe of docs/INSTRUCTORS.md ("A room that outgrows laptops"): tools/jupyterhub_config.py, loaded
into a test config with one shared password and the simple local spawner; the kit's environment (this python) as the
kernel; KIT_CACHE shared read-only (a read-only bind mount when run as root, else checked unchanged after). Per
lesson it records wall time, the kernel's peak memory (its own getrusage) and the server's, into
build/hub/run/report.json and report.md. The hub's own packages (jupyterhub, jupyterlab) live in --hub-venv.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER = "learner1"
PASSWORD = "practicum-room"
MEASURE = """
import json, os, resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
server = next((int(l.split()[1]) // 1024 for l in open(f"/proc/{os.getppid()}/status") if l.startswith("VmHWM")), None)
try:
    open(os.path.join(os.environ["KIT_CACHE"], "probe-write"), "w").close()
    cache_writable = True
    os.remove(os.path.join(os.environ["KIT_CACHE"], "probe-write"))
except OSError:
    cache_writable = False
print("MEASURED " + json.dumps({"kernel_peak_mb": peak, "children_peak_mb": children, "server_peak_mb": server,
      "cache_writable": cache_writable, "cwd": os.getcwd(), "KIT_CACHE": os.environ.get("KIT_CACHE"),
      "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE"), "KIT_PROFILE": os.environ.get("KIT_PROFILE"),
      "kit_root": str(__import__("helpers").env.REPO_ROOT)}))
"""


def test_config(run: Path, port: int, proxy: str, token: str) -> Path:
    """The hub config for this check: the kit's settings, then one shared password, local processes, a service token."""
    path = run / "jupyterhub_test_config.py"
    path.write_text(f"""
c = get_config()
load_subconfig({str(ROOT / 'tools' / 'jupyterhub_config.py')!r})
c.JupyterHub.authenticator_class = "shared-password"  # one password for the room, any user name
c.SharedPasswordAuthenticator.user_password = {PASSWORD!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(run / 'users' / '{username}')!r}
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_port = {port + 1}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{port + 2}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = {'sqlite:///' + str(run / 'jupyterhub.sqlite')!r}
c.JupyterHub.cookie_secret_file = {str(run / 'cookie_secret')!r}
c.JupyterHub.pid_file = {str(run / 'jupyterhub.pid')!r}
c.Spawner.args = {["--allow-root"] if os.geteuid() == 0 else []!r}  # here every server runs as root; learners never do
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 120}}  # answer the start request once ready
c.JupyterHub.services = [{{"name": "practicum-check", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "practicum-check", "services": ["practicum-check"],
                            "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"]}}]
""")
    return path


def read_only(folder: Path) -> str:
    """Mount `folder` read-only over itself if we may (root); say how the cache is protected."""
    if os.geteuid() == 0:
        done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
        if done.returncode == 0:
            if subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True).returncode == 0:
                return "read-only bind mount"
            subprocess.run(["umount", str(folder)])
    return "writable (not root): checked unchanged after the run"


def snapshot(folder: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime) for p in folder.rglob("*") if p.is_file()}


class Hub:
    """The hub's REST API with the service token, and a learner's login with a browser's form."""

    def __init__(self, base: str, token: str):
        import requests

        self.base, self.token = base, token
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {token}"

    def login(self, user: str, password: str) -> bool:
        """Log in through the login form, as a browser does; True when the hub sets its login cookie."""
        import requests

        browser = requests.Session()
        browser.get(f"{self.base}/hub/login")
        xsrf = browser.cookies.get("_xsrf", "")
        reply = browser.post(f"{self.base}/hub/login", data={"username": user, "password": password, "_xsrf": xsrf},
                             allow_redirects=False)
        return reply.status_code in (302, 303) and any(c.name.startswith("jupyterhub-") for c in browser.cookies)

    def start(self, user: str, timeout: float = 120) -> None:
        reply = self.api.post(f"{self.base}/hub/api/users/{user}/server")
        if reply.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"starting {user}'s server: {reply.status_code} {reply.text[:300]}")
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = self.api.get(f"{self.base}/hub/api/users/{user}").json()
            server = info.get("servers", {}).get("", {})
            if server.get("ready"):
                return
            time.sleep(1)
        raise RuntimeError(f"{user}'s server was not ready after {timeout} s")

    def stop(self, user: str) -> None:
        self.api.delete(f"{self.base}/hub/api/users/{user}/server")


def run_cells(ws_url: str, token: str, cells: list[str], timeout: float) -> tuple[list[str], str | None]:
    """Execute cells one after another on a kernel's websocket; (printed text, first error or None)."""
    import websocket

    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=timeout)
    session, printed = uuid.uuid4().hex, []
    try:
        for code in cells:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({"header": {"msg_id": msg_id, "username": USER, "session": session,
                                           "msg_type": "execute_request", "version": "5.3"},
                                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                                "content": {"code": code, "silent": False, "store_history": True,
                                            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
            replied = idle = False
            error = None
            while not (replied and idle):
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "stream":
                    printed.append(msg["content"]["text"])
                elif kind == "error":
                    error = f"{msg['content']['ename']}: {msg['content']['evalue']}"[:500]
                elif kind == "execute_reply":
                    replied = True
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
            if error:
                return printed, error
    finally:
        ws.close()
    return printed, None


def run_lesson(base: str, token: str, lesson: str, timeout: float) -> dict:
    """Open the learner's copy of a lesson in a kernel of their server, run every code cell, measure, shut down."""
    import nbformat
    import requests

    api = requests.Session()
    api.headers["Authorization"] = f"token {token}"
    server = f"{base}/user/{USER}"
    path = f"practicum/notebooks/{lesson}.ipynb"
    model = api.get(f"{server}/api/contents/{path}").json()  # the learner's copy, as JupyterLab reads it
    nb = nbformat.from_dict(model["content"])
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    session = api.post(f"{server}/api/sessions", json={"path": path, "type": "notebook", "name": lesson,
                                                       "kernel": {"name": "python3"}}).json()
    kernel = session["kernel"]["id"]
    ws_url = server.replace("http", "ws", 1) + f"/api/kernels/{kernel}/channels"
    start = time.perf_counter()
    printed, error = run_cells(ws_url, token, cells, timeout)
    seconds = time.perf_counter() - start
    measured_text, _ = run_cells(ws_url, token, [MEASURE], 60)
    measured = next(json.loads(l.split("MEASURED ", 1)[1]) for l in "".join(measured_text).splitlines()
                    if l.startswith("MEASURED "))
    api.delete(f"{server}/api/sessions/{session['id']}")
    model_line = next((l.strip() for l in "".join(printed).splitlines() if l.strip().startswith("Model:")), "—")
    return {"lesson": lesson, "seconds": round(seconds, 1), "cells": len(cells), "error": error,
            "model": model_line, **measured}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub-venv", type=Path, default=ROOT / "build" / "hub" / "venv")
    parser.add_argument("--proxy", default=str(ROOT / "build" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("KIT_CACHE", "")),
                        help="the KIT_CACHE to share (copied, then mounted read-only)")
    parser.add_argument("--lessons", nargs="*", default=["02_ner_fine_tuning", "03_sentiment_analysis"])
    parser.add_argument("--profile", default="workshop")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per cell")
    args = parser.parse_args(argv)

    run = ROOT / "build" / "hub" / "run"
    shared = run / "shared"
    if run.exists():
        subprocess.run(["umount", str(shared / "kit")], capture_output=True)
        shutil.rmtree(run)
    (shared / "huggingface" / "hub").mkdir(parents=True)
    shutil.copytree(args.cache, shared / "kit")
    protection = read_only(shared / "kit")
    before = snapshot(shared / "kit")
    token = secrets.token_hex(16)
    config = test_config(run, args.port, args.proxy, token)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIT_", "HF_", "JUPYTER_", "PYTHONPATH"))}
    env.update(PRACTICUM_KIT=str(ROOT), PRACTICUM_CACHE=str(shared), PRACTICUM_KERNEL_PYTHON=sys.executable,
               PRACTICUM_PROFILE=args.profile)
    log = (run / "hub.log").open("w")
    hub_proc = subprocess.Popen([str(args.hub_venv / "bin" / "jupyterhub"), "-f", str(config)], cwd=run, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{args.port}"
    rows, report = [], {"protection": protection}
    try:
        hub = Hub(base, token)
        for _ in range(60):
            try:
                if hub.api.get(f"{base}/hub/api/").ok:
                    break
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(1)
        report["login"] = hub.login(USER, PASSWORD)
        t0 = time.perf_counter()
        hub.start(USER)
        report["server_start_s"] = round(time.perf_counter() - t0, 1)
        for lesson in args.lessons:
            print(f"{lesson} through {USER}'s server ...", flush=True)
            rows.append(run_lesson(base, token, lesson, args.timeout))
            print(json.dumps(rows[-1]), flush=True)
        hub.stop(USER)
    finally:
        hub_proc.terminate()
        hub_proc.wait(30)
        subprocess.run(["umount", str(shared / "kit")], capture_output=True)
    report["cache_unchanged"] = snapshot(shared / "kit") == before
    report["lessons"] = rows
    runs = run / "users" / USER / "practicum" / "runs"
    report["runs_in_user_copy"] = sorted(p.parent.name for p in runs.glob("*/metrics.json"))
    (run / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    lines = [f"login as {USER}: {'ok' if report['login'] else 'FAILED'}; server ready in {report.get('server_start_s')} s; "
             f"KIT_CACHE {protection}, unchanged after: {report['cache_unchanged']}",
             "| lesson | wall time | kernel peak | server peak | model | error |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['lesson']} | {r['seconds']:.0f} s | {r['kernel_peak_mb']} MB | {r['server_peak_mb']} MB | "
              f"{r['model']} | {r['error'] or '—'} |" for r in rows]
    (run / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    mounted = protection.startswith("read-only")
    ok = report["login"] and report["cache_unchanged"] and all(
        not r["error"] and not (mounted and r["cache_writable"]) for r in rows)
    return 0 if ok and rows else 1


if __name__ == "__main__":
    sys.exit(main())
