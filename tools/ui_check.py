"""`make test-ui`: every lesson in JupyterLab in a headless Chromium, the way a learner meets it.

JupyterLab starts as `make lab` starts it (tools/lab.py, here on a fresh copy under build/ui/lessons, on a
free port with a token). Per lesson: open it, check it is not marked modified before anyone typed, Run All,
wait for the kernel, then check what no headless run sees (errors, figures drawn as images, progress bars
drawn as widgets, text printed under a widget's figure, labels and text boxes cut short, long cells with no
progress bar, the same figure twice in a row, images that do not load), work every widget, answer one
exercise wrongly and ask for a hint, and save screenshots in build/ui/. Widgets are found by type, never by
the lesson's prose. Exit 1 on any finding, 2 when the browser or its driver is missing.

"Long cell with no progress bar" is judged on the work a cell does, not on the wall clock alone: a cell is
long when both its wall time and its kernel's CPU time (read from /proc, threads included) exceed --slow
(8 s). On an idle machine with one torch thread, as here (OMP_NUM_THREADS=1), the two are equal and are
what a learner waits; when other jobs share the cores, the wall time grows but the CPU time does not, so
the check does not flake on load; a multi-threaded cell can spend more CPU than wall time, and then the
wall time decides. Where /proc is missing (not Linux) the wall time alone decides. Both times are reported.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
MANIFEST = ROOT / "docs" / "img" / "screenshots.json"
# ipywidgets' DOM classes, by the Python class a lesson or helper builds (docs/img/screenshots.json uses these names).
WIDGET_CLASSES = {"widget-textarea": "Textarea", "widget-text": "Text", "widget-button": "Button",
                  "widget-hslider": "Slider", "widget-html": "HTML", "widget-hprogress": "Progress",
                  "widget-output": "Output"}

# Text that means a front end did not draw something: a figure's repr, a widget's repr, tqdm in text.
FIGURE_REPR = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")
WIDGET_REPR = re.compile(r"^(HBox|VBox|IntProgress|FloatProgress|interactive|Output|Textarea|Text|Button|HTML)\(children=|"
                         r"^(HBox|VBox|IntProgress|FloatProgress)\(|Error displaying widget|Loading widget\.\.\.", re.M)
TEXT_PROGRESS = re.compile(r"\d+%\|[^|\n]*\|")
ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|Cell In\[\d+\], line \d+")

# One pass over the page: what each cell shows. Runs in the browser.
COLLECT_JS = r"""
() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map((cell, index) => {
  const area = cell.querySelector(':scope .jp-Cell-outputWrapper .jp-OutputArea');
  const top = area ? Array.from(area.querySelectorAll(':scope > .jp-OutputArea-child > .jp-OutputArea-output')) : [];
  const widgetOutputs = Array.from(cell.querySelectorAll('.widget-output')).map(w => ({
    images: w.querySelectorAll('img').length,
    texts: Array.from(w.querySelectorAll('.jp-OutputArea-output')).filter(o =>
      ['text/plain', 'application/vnd.jupyter.stdout'].includes(o.dataset.mimeType)).map(o => o.textContent.trim()).filter(t => t),
  }));
  const cut = Array.from(cell.querySelectorAll('.widget-label, .widget-readout, .widget-text input, .widget-textarea textarea'))
    .filter(e => e.offsetParent !== null && (e.scrollWidth > e.clientWidth + 1))
    .map(e => ({kind: e.tagName.toLowerCase() === 'input' || e.tagName.toLowerCase() === 'textarea' ? 'box' : 'label',
                text: (e.value !== undefined && e.tagName.toLowerCase() !== 'label') ? e.value : e.textContent,
                scroll: e.scrollWidth, client: e.clientWidth}));
  const widgetClasses = new Set();
  cell.querySelectorAll('.jupyter-widgets, .jupyter-widgets *').forEach(e => e.classList.forEach(c => {
    if (c.startsWith('widget-')) widgetClasses.add(c); }));
  return {
    index,
    code: cell.classList.contains('jp-CodeCell'),
    prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
    outputs: top.map(o => ({mime: o.dataset.mimeType || '', text: (o.textContent || '').slice(0, 4000),
                            widget: !!o.querySelector('.jupyter-widgets')})),
    images: Array.from(cell.querySelectorAll('.jp-Cell-outputWrapper img')).map(i => ({
      src: i.src.length > 200 ? i.src.slice(0, 60) + ':' + i.src.length + ':' + i.src.slice(-120) : i.src,
      ok: i.complete && i.naturalWidth > 0, widget: !!i.closest('.jupyter-widgets')})),
    markdownImages: Array.from(cell.querySelectorAll('.jp-MarkdownOutput img')).map(i => ({
      src: i.getAttribute('src'), alt: i.alt, ok: i.complete && i.naturalWidth > 0})),
    progress: cell.querySelectorAll('.widget-hprogress, .widget-progress, progress').length,
    widgetOutputs, cut, widgetClasses: Array.from(widgetClasses),
  };
})
"""

PROMPTS_JS = r"""
() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map(c => [
  c.classList.contains('jp-CodeCell') ? ((c.querySelector('.jp-InputPrompt') || {}).textContent || '') : null,
  c.querySelectorAll('.widget-hprogress, .widget-progress, progress').length])
"""


@dataclass
class Lesson:
    name: str
    seconds: float = 0.0
    findings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    widgets: list[str] = field(default_factory=list)
    slow_cells: list[tuple[int, float, float | None, bool]] = field(default_factory=list)  # index, wall s, CPU s, bar
    longest_without_bar: tuple[int, float, float | None] | None = None  # the margin under the rule: index, wall, CPU

    def fail(self, text: str) -> None:
        self.findings.append(text)
        print(f"  FAIL {self.name}: {text}", flush=True)

    def ok(self, text: str) -> None:
        self.checked.append(text)
        print(f"  ok   {self.name}: {text}", flush=True)


def find_browser() -> str | None:
    """The system Chromium (Playwright's own browser download is not used)."""
    if os.environ.get("KIT_CHROMIUM"):
        return os.environ["KIT_CHROMIUM"]
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(lab_cmd: str, into: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`make lab`'s command on a fresh copy, on a free local port with a token; returns it once it answers."""
    port, token = free_port(), secrets.token_hex(16)
    cmd = shlex.split(lab_cmd) + ["--into", str(into), "--fresh", "--no-browser", "--ServerApp.ip=127.0.0.1",
                                  f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                                  f"--IdentityProvider.token={token}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"jupyter lab exited ({proc.returncode}); its log:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            return proc, f"{base}|{token}"
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"jupyter lab did not answer on {base} within 90 s; its log:\n{log.read_text()[-3000:]}")


def api(base: str, token: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    return json.loads(body) if body else None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its reaped children, all threads counted (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def kernel_pid(kernel_id: str) -> int | None:
    """The process of a Jupyter kernel, found by the connection file its command line names (Linux /proc)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if f"kernel-{kernel_id}.json" in proc.joinpath("cmdline").read_bytes().decode(errors="replace"):
                return int(proc.name)
        except (OSError, ValueError):
            continue
    return None


def too_long(wall: float, cpu: float | None, slow: float) -> bool:
    """The module's rule: more than `slow` seconds of wall time and of kernel CPU time (wall alone if CPU unknown)."""
    return (wall if cpu is None else min(wall, cpu)) > slow


def wait_idle(page, seconds: float = 90) -> None:
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=seconds * 1000)


# A cell that puts a widget on the screen, for --widgets-only (read from the code, never from the prose).
BUILDS_WIDGET = re.compile(r"\binteract\(|\bwidgets\.|\w+_(demo|box)\(")


def imports_only(source: str) -> bool:
    """A cell of imports alone: it can be slow on a cold start, and has nothing to show progress of."""
    lines = [l.strip() for l in source.splitlines() if l.strip() and not l.strip().startswith("#")]
    return bool(lines) and all(re.match(r"^(import |from \S+ import |[\w, ]*\)?$|\w.*,$)", l) for l in lines)


def run_all(page, lesson: Lesson, timeout: float, slow: float, stop_before: int | None = None,
            sources: list[dict] | None = None, kernel: int | None = None) -> None:
    """Run All from the Run menu (or all above `stop_before`); time each cell (wall, and the CPU of the process
    `kernel`) and note whether a progress bar showed."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    if stop_before is None:
        item = "Run All Cells"
    else:
        page.keyboard.press("Escape")
        cell_locator(page, stop_before).locator(".jp-InputPrompt").click()  # select it, in command mode
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        item = "Run All Above Selected Cell"
    page.locator(".lm-Menu-item:visible", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{item}$"))).click()
    start = time.monotonic()
    page.wait_for_function("() => Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt')).some(p => p.textContent.includes('*'))",
                           timeout=15000)
    current, since, progress_seen, durations = None, start, 0, {}
    cpu_since = cpu_seconds(kernel) if kernel else None
    while True:
        cells = page.evaluate(PROMPTS_JS)
        running = next((i for i, (p, _) in enumerate(cells) if p is not None and "*" in p), None)
        if running != current:
            now, cpu_now = time.monotonic(), cpu_seconds(kernel) if kernel else None
            if current is not None:
                cpu = None if cpu_now is None or cpu_since is None else cpu_now - cpu_since
                durations[current] = (now - since, cpu, progress_seen > 0 or cells[current][1] > 0)
            current, since, cpu_since, progress_seen = running, now, cpu_now, 0
        if running is None:
            break
        progress_seen += cells[running][1]
        if time.monotonic() - start > timeout:
            lesson.fail(f"Run All still busy after {timeout:.0f} s (cell {running})")
            return
        time.sleep(0.8)
    lesson.seconds = time.monotonic() - start
    wait_idle(page)
    for i, (secs, cpu, shown) in sorted(durations.items()):
        exempt = bool(sources and i < len(sources) and imports_only(sources[i]["source"]))
        if not shown and not exempt and (lesson.longest_without_bar is None or secs > lesson.longest_without_bar[1]):
            lesson.longest_without_bar = (i, round(secs, 1), None if cpu is None else round(cpu, 1))
        if secs > slow:  # every cell over the wall-time line is reported, long or not by the rule
            lesson.slow_cells.append((i, round(secs, 1), None if cpu is None else round(cpu, 1), shown))
        if too_long(secs, cpu, slow) and not shown and not exempt:
            cpu_text = "" if cpu is None else f" ({cpu:.1f} s of kernel CPU)"
            lesson.fail(f"cell {i} ran {secs:.1f} s{cpu_text} with no progress bar on screen")


def check_page(page, lesson: Lesson, sources: list[dict]) -> list[dict]:
    """The static checks after Run All: errors, figures, progress bars, widgets, cut labels, duplicates."""
    cells = page.evaluate(COLLECT_JS)
    if len(cells) != len(sources):
        lesson.fail(f"the page shows {len(cells)} cells, the notebook has {len(sources)}")
        return cells
    previous_images: set[str] = set()
    for cell, src in zip(cells, sources):
        i = cell["index"]
        if not cell["code"]:
            for img in cell["markdownImages"]:
                if not img["ok"]:
                    lesson.fail(f"cell {i}: markdown image {img['src'][:70]} did not load (alt text {img['alt']!r})")
            continue
        if src.get("skipped"):
            continue
        if not src.get("hidden") and not re.search(r"\[\d+\]", cell["prompt"]):  # a collapsed input hides its prompt
            lesson.fail(f"cell {i} did not run (prompt {cell['prompt']!r}): Run All stopped before it")
        texts = [o["text"] for o in cell["outputs"]]
        for t in texts:
            if ERROR_TEXT.search(t):
                lesson.fail(f"cell {i} shows an error: {t.strip().splitlines()[-1][:160]!r}")
            if FIGURE_REPR.search(t):
                lesson.fail(f"cell {i}: a figure shows as text ({FIGURE_REPR.search(t).group(0)})")
            if WIDGET_REPR.search(t):
                lesson.fail(f"cell {i}: a widget shows as text: {WIDGET_REPR.search(t).group(0)!r}")
            if TEXT_PROGRESS.search(t):
                lesson.fail(f"cell {i}: a progress bar shows as text: {TEXT_PROGRESS.search(t).group(0)!r}")
        if "google.colab" in src["source"] and cell["outputs"]:
            lesson.fail(f"cell {i}: the Colab setup cell printed something outside Colab: {texts[0][:100]!r}")
        for img in cell["images"]:
            if not img["ok"]:
                lesson.fail(f"cell {i}: a figure did not render as an image")
        for w in cell["widgetOutputs"]:
            if w["images"] and w["texts"]:
                lesson.fail(f"cell {i}: text printed under a widget's figure: {w['texts'][0][:120]!r}")
        for c in cell["cut"]:
            what = "widget label cut short" if c["kind"] == "label" else "text box too narrow for its text"
            lesson.fail(f"cell {i}: {what}: {c['text'][:60]!r} needs {c['scroll']} px, has {c['client']} px")
        images = {img["src"] for img in cell["images"] if img["ok"]}
        if images & previous_images:
            lesson.fail(f"cell {i} draws the same figure as the code cell before it")
        previous_images = images
    return cells


def widget_types(cells: list[dict]) -> list[str]:
    found = {WIDGET_CLASSES[c] for cell in cells for c in cell["widgetClasses"] if c in WIDGET_CLASSES}
    return sorted(found)


def cell_locator(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def snapshot(cell, selector: str) -> str:
    loc = cell.locator(selector)
    return "\n".join(loc.nth(k).inner_html() for k in range(loc.count()))


def wait_change(cell, selector: str, before: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = snapshot(cell, selector)
        if now != before:
            time.sleep(0.3)
            return snapshot(cell, selector)
        time.sleep(0.3)
    return before


def work_widgets(page, lesson: Lesson, cells: list[dict]) -> int | None:
    """Type into each text widget, press each button, move each slider; the visible result must change."""
    best = None
    for cell_info in cells:
        classes = set(cell_info["widgetClasses"])
        if not classes & {"widget-textarea", "widget-text", "widget-hslider"}:
            continue
        i, cell = cell_info["index"], cell_locator(page, cell_info["index"])
        best = i if best is None else best
        cell.scroll_into_view_if_needed()
        if "widget-textarea" in classes and "widget-button" in classes:
            before = snapshot(cell, ".widget-html")
            cell.locator(".widget-textarea textarea").first.fill("Marguerite Oyelaran flew to Kelvane with Tom Berg .")
            cell.locator("button.jupyter-button").first.click()
            after = wait_change(cell, ".widget-html", before, 60)
            if after == before:
                lesson.fail(f"cell {i}: typing a sentence and pressing the button changed nothing")
            elif not re.search(r"<mark\b|background", after):
                lesson.fail(f"cell {i}: the button answered without highlighting an entity: {after[:200]!r}")
            else:
                lesson.ok(f"cell {i}: sentence typed, button pressed, entities highlighted")
        elif "widget-textarea" in classes:
            before = snapshot(cell, ".widget-html")
            cell.locator(".widget-textarea textarea").first.fill("A warm, funny and moving film; I loved every minute of it.")
            after = wait_change(cell, ".widget-html", before, 60)
            text = re.sub(r"<[^>]+>", " ", after)
            if after == before:
                lesson.fail(f"cell {i}: typing a review changed nothing")
            elif not re.search(r"\d+(\.\d+)?\s?%", text):
                lesson.fail(f"cell {i}: the review box shows no probability: {text[:160]!r}")
            else:
                lesson.ok(f"cell {i}: review typed, verdict and probability shown")
        elif "widget-text" in classes:
            box = cell.locator(".widget-text input").first
            before = snapshot(cell, ".widget-output")
            box.fill("The soup was cold but the staff were very kind to us")
            after = wait_change(cell, ".widget-output", before, 4)
            if after == before:
                said = (box.get_attribute("placeholder") or "") + cell.locator(".widget-text").first.inner_text()
                box.press("Enter")
                after = wait_change(cell, ".widget-output", before, 30)
                if after != before and "enter" not in said.lower():
                    lesson.fail(f"cell {i}: the text box answers only on Enter, and the box does not say so")
            if after == before:
                lesson.fail(f"cell {i}: typing into the text box changed nothing")
            else:
                lesson.ok(f"cell {i}: text typed, output changed")
        if "widget-hslider" in classes:
            before = [img["src"] for img in cell_info["images"] if img["widget"]]
            handle = cell.locator(".noUi-handle").first
            handle.scroll_into_view_if_needed()  # the cell can be taller than the window: its top may be off it
            box = handle.bounding_box()
            if box is None:
                lesson.fail(f"cell {i}: the slider has no handle on screen")
                continue
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x + 25, y, steps=5)
            page.mouse.up()
            after_src = before
            deadline = time.monotonic() + 60
            keyed = False
            while time.monotonic() < deadline and after_src == before:
                time.sleep(0.5)
                now = page.evaluate(COLLECT_JS)[i]
                after_src = [img["src"] for img in now["images"] if img["widget"] and img["ok"]]
                if after_src == before and not keyed and time.monotonic() > deadline - 50:
                    handle.focus()  # a drag the page did not take (an overlay, a scroll): move it by the keyboard
                    handle.press("ArrowRight")
                    keyed = True
            if not before:
                lesson.fail(f"cell {i}: the slider's figure was not drawn before it moved")
            elif after_src == before or not after_src:
                lesson.fail(f"cell {i}: moving the slider did not redraw its figure")
            else:
                how = "by the keyboard, after a drag the page did not take" if keyed else "by a drag"
                lesson.ok(f"cell {i}: slider moved {how}, figure redrawn (image bytes differ)")
                for w in now["widgetOutputs"]:
                    if w["images"] and w["texts"]:
                        lesson.fail(f"cell {i}: after the move, text printed under the figure: {w['texts'][0][:120]!r}")
    return best


def try_exercise(page, lesson: Lesson, sources: list[dict]) -> None:
    """The first q1 exercise: a wrong answer, then q1.hint(); the feedback must show in the page."""
    index = next((k for k, s in enumerate(sources) if s["type"] == "code" and "q1.check(" in s["source"]
                  and not s.get("skipped")), None)
    if index is None:
        return
    lines = sources[index]["source"].splitlines()
    at = next((k for k, line in enumerate(lines) if re.match(r"\s*answer\s*=", line)), None)
    if at is None:
        lesson.fail(f"cell {index}: exercise cell without an `answer = ...` line")
        return
    lines[at] = "answer = 0  # a wrong answer"
    lines = [line for line in lines if not re.match(r"\s*#?\s*q1\.(hint|solution)\(\)", line)] + ["q1.hint()"]
    cell = cell_locator(page, index)
    cell.scroll_into_view_if_needed()
    prompt_before = cell.locator(".jp-InputPrompt").text_content()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("\n".join(lines))
    page.keyboard.press("Control+Enter")
    page.wait_for_function("([i, before]) => { const p = document.querySelectorAll('.jp-Notebook .jp-Cell')[i].querySelector('.jp-InputPrompt').textContent;"
                           " return /\\[\\d+\\]/.test(p) && p !== before; }", arg=[index, prompt_before], timeout=60000)
    info = page.evaluate(COLLECT_JS)[index]
    texts = [o["text"] for o in info["outputs"]]
    if any(ERROR_TEXT.search(t) for t in texts):
        lesson.fail(f"cell {index}: a wrong answer and q1.hint() raised: {texts[-1][-200:]!r}")
    elif len([t for t in texts if t.strip()]) < 2:
        lesson.fail(f"cell {index}: a wrong answer and q1.hint() showed {len(texts)} output(s), not the verdict and the hint")
    else:
        lesson.ok(f"cell {index}: wrong answer and q1.hint() both answered in the page")


def full_screenshot(page, path: Path) -> None:
    """The whole notebook: JupyterLab scrolls inside a panel, so shoot it screen by screen and stitch."""
    from PIL import Image

    scroller = page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer").first
    box = scroller.bounding_box()
    height, view = page.evaluate("e => [e.scrollHeight, e.clientHeight]", scroller.element_handle())
    sheet = Image.new("RGB", (int(box["width"]), int(height)), "white")
    top = 0
    while True:
        actual = page.evaluate("([e, y]) => { e.scrollTop = y; return e.scrollTop; }", [scroller.element_handle(), top])
        page.wait_for_timeout(250)
        sheet.paste(Image.open(io.BytesIO(page.screenshot(clip=box))), (0, int(actual)))
        if actual + view >= height or actual < top:
            break
        top += view
    sheet.save(path, compress_level=1)  # a build file: fast zlib (1280×30000 px here: 1.8 s; optimize=True 6.6 s)


def check_docs_shot(lesson: Lesson, widgets: list[str]) -> None:
    """The committed screenshot of this lesson must show widgets the lesson still has."""
    if not MANIFEST.exists():
        return
    for image, entry in json.loads(MANIFEST.read_text()).items():
        if entry["lesson"] == lesson.name:
            missing = sorted(set(entry["widgets"]) - set(widgets))
            if missing:
                lesson.fail(f"docs/img/{image} shows {', '.join(missing)}, which the lesson no longer has: take it again "
                            f"(tools/ui_check.py --update-docs)")
            else:
                lesson.ok(f"docs/img/{image} still matches the lesson's widgets")


def update_docs(stem: str, shot: Path, widgets: list[str], limit: int = 100_000) -> str:
    """Write the lesson's best shot into docs/img as a palette PNG of at most `limit` bytes."""
    from PIL import Image

    from PIL import ImageChops

    image = Image.open(shot).convert("RGB")
    ink = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()  # trim the white margins
    if ink:
        image = image.crop((max(ink[0] - 8, 0), max(ink[1] - 8, 0), min(ink[2] + 8, image.width), min(ink[3] + 8, image.height)))
    target = ROOT / "docs" / "img" / f"{stem}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    scale = 1.0
    while True:
        size = (int(image.width * scale), int(image.height * scale))
        small = image.resize(size, Image.LANCZOS) if scale < 1 else image
        small.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
        if target.stat().st_size <= limit:
            break
        scale *= 0.85
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest[target.name] = {"lesson": stem + ".ipynb", "widgets": widgets}
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return target.name


def run_lesson(browser, base: str, token: str, path: Path, out: Path, args) -> Lesson:
    import nbformat

    lesson = Lesson(path.name)
    nb = nbformat.read(path, as_version=4)
    sources = [{"type": c.cell_type, "source": c.source,
                "hidden": bool(c.metadata.get("jupyter", {}).get("source_hidden"))} for c in nb.cells]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors: list[str] = []
    page.on("pageerror", lambda err: console_errors.append(str(err)))
    try:
        page.goto(f"{base}/lab/tree/{path.name}?reset&token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60000)
        wait_idle(page)
        page.wait_for_timeout(2000)  # what JupyterLab changes on opening, it changes now
        tab = page.locator(".lm-TabBar-tab.jp-mod-current")
        if "jp-mod-dirty" in (tab.first.get_attribute("class") or ""):
            lesson.fail("marked modified on opening, before the learner typed anything")
        else:
            lesson.ok("not marked modified on opening")
        news = page.locator(".Toastify__toast button", has_text=re.compile(r"^No$"))  # JupyterLab's news prompt
        if news.count():
            news.first.click()
        stop_before = None
        if path.name in args.widgets_only:  # a heavy lesson: only the cells up to its last widget
            last = max((k for k, c in enumerate(sources) if c["type"] == "code" and BUILDS_WIDGET.search(c["source"])), default=None)
            stop_before = None if last is None or last + 1 >= len(sources) else last + 1
            for c in sources[stop_before or len(sources):]:
                c["skipped"] = True
            if stop_before is not None:
                lesson.ok(f"widgets only: cells 0-{stop_before - 1} of {len(sources)}")
        kernel = next((kernel_pid(s["kernel"]["id"]) for s in api(base, token, "/api/sessions")
                       if s.get("path", "").endswith(path.name) and s.get("kernel")), None)
        if kernel is None:
            lesson.ok("kernel process not found (no /proc?): long cells judged on wall time alone")
        run_all(page, lesson, args.timeout, args.slow, stop_before, sources, kernel)
        page.wait_for_timeout(1500)  # widget views and images settle
        full_screenshot(page, out / f"{path.stem}.png")  # scrolls every cell into view once, so images load
        cells = check_page(page, lesson, sources)
        lesson.widgets = widget_types(cells)
        best = work_widgets(page, lesson, cells)
        try_exercise(page, lesson, sources)
        if best is None:  # no widget: the first figure, else the first table
            best = next((c["index"] for c in cells if c["images"]), None)
        if best is None:
            best = next((c["index"] for c in cells if c["code"] and any("\t" in o["text"] or "\n" in o["text"]
                                                                      for o in c["outputs"] if o["mime"] == "text/html")), None)
        if best is not None:
            cell = cell_locator(page, best)
            cell.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)  # let the browser paint what scrolled in
            cell.locator(".jp-Cell-outputWrapper").screenshot(path=str(out / f"{path.stem}-best.png"))
            if args.update_docs:
                shown = widget_types([c for c in cells if c["index"] == best])
                print(f"  docs/img/{update_docs(path.stem, out / f'{path.stem}-best.png', shown)}")
        check_docs_shot(lesson, lesson.widgets)
        for err in console_errors:
            lesson.fail(f"JavaScript error in the page: {err[:200]}")
    except Exception as err:  # noqa: BLE001 - a broken page is a finding, with a screenshot to look at
        lesson.fail(f"{type(err).__name__}: {str(err).splitlines()[0][:300]}")
        page.screenshot(path=str(out / f"{path.stem}-failed.png"))
    finally:
        for session in api(base, token, "/api/sessions"):
            api(base, token, f"/api/sessions/{session['id']}", method="DELETE")
        page.close()
    return lesson


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--lab", default=f"{sys.executable} tools/lab.py", help="the command `make lab` runs")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "ui")
    parser.add_argument("--slow", type=float, default=8.0,
                        help="seconds of wall and of kernel CPU time a cell may take without a progress bar")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds Run All may take per lesson")
    parser.add_argument("--widgets-only", nargs="*", default=[], metavar="LESSON",
                        help="lessons (file names) to run only up to their last widget, to keep within the time budget")
    parser.add_argument("--update-docs", action="store_true", help="write the best shots into docs/img/ (README)")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("make test-ui: the playwright package is missing: run `make test-ui` (it installs it into .venv)")
        return 2
    browser_path = find_browser()
    if browser_path is None:
        print(f"make test-ui: no Chromium found: run `{INSTALL_HINT}` as root (or set KIT_CHROMIUM to a Chromium)")
        return 2
    lessons = [p.resolve() for p in args.lessons] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc, where = start_lab(args.lab, args.out / "lessons", args.out / "lab.log")
    base, token = where.split("|")
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=browser_path, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            print(f"JupyterLab at {base}, {browser_path} {browser.version}", flush=True)
            for path in lessons:
                print(f"{path.name}", flush=True)
                began = time.monotonic()
                results.append(run_lesson(browser, base, token, args.out / "lessons" / path.name, args.out, args))
                print(f"  {time.monotonic() - began:.0f} s in all, Run All {results[-1].seconds:.0f} s; cells over "
                      f"{args.slow:.0f} s of wall time (index, wall s, kernel CPU s, progress bar): "
                      f"{results[-1].slow_cells}; longest cell with no progress bar (index, wall s, kernel CPU s): "
                      f"{results[-1].longest_without_bar}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    total = time.monotonic() - started
    report = {"seconds": round(total, 1), "lessons": [vars(r) for r in results]}
    (args.out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    bad = sum(len(r.findings) for r in results)
    print(f"\n{len(results)} lessons in {total:.0f} s; Run All: " +
          ", ".join(f"{r.name[:2]} {r.seconds:.0f} s" for r in results))
    print(f"{bad} finding(s); screenshots and report.json in {args.out}" if bad else f"no findings; screenshots in {args.out}")
    for r in results:
        for f in r.findings:
            print(f"  {r.name}: {f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
