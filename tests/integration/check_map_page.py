"""check_map_page: report.html's map works in a real browser. A small robotaxi-sim day with --trajectories is opened
in headless Chromium as report.html#selftest: the page's own self-test (sim_report_map.c) sets the time slider to two
times, draws, and counts the canvas pixels of vehicle colours at each into <pre id="map-selftest">, which this reads
with --dump-dom. The test fails on any JavaScript error (the page's capture, installed before its other scripts, and
Chromium's console log), when either time shows no vehicles, when the two pictures do not differ, or when the roads
and demand are not drawn; a screenshot of the page is taken and its map cropped, and the vehicles' colours must show
in it too. A run without --trajectories has no map. The checks are then shown to fail on pages with a script error,
a syntax error (the map's script never runs) and no vehicles.

Run by ctest with Debian's python3 (python3-pil) and chromium, and RT_TOOLS_DIR; RT_MAP_PAGE_DIR keeps the run, the
screenshots and the self-test's JSON there (else a temporary folder, removed). Outside CI a missing chromium or Pillow
skips the test (exit 77); under CI=true it fails."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
SMALL = ["--set", "demand.trips_per_day=16000", "--set", "human.drivers=640", "--set", "map.grid_m=1000"]
MIN_PIXELS = 200   # vehicle-coloured pixels at each time: a small day has ~200 vehicles on the road, 9 px each
WIDTH = 1280


class Failures(list):
    def fail(self, where, what):
        self.append("%s: %s" % (where, what))


def chromium(work, *args):
    """Headless Chromium on args, its console on stderr."""
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
           "--v=0", "--user-data-dir=" + os.path.join(work, "chromium-profile"), "--virtual-time-budget=10000"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120)


def selftest(work, page):
    """The page's #selftest result (a dict; {"ok": False, "why": ...} when there is none) and the console's
    uncaught errors."""
    run = chromium(work, "--dump-dom", "--window-size=%d,900" % WIDTH, "file://%s#selftest" % os.path.abspath(page))
    uncaught = [line.strip() for line in run.stderr.splitlines() if "Uncaught" in line]
    found = re.search(r'<pre id="map-selftest"[^>]*>(.*?)</pre>', run.stdout, re.S)
    if run.returncode != 0 or not found:
        return {"ok": False, "why": "Chromium did not load the page (exit %d): %s"
                % (run.returncode, run.stderr.strip()[-500:])}, uncaught
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if not text.strip():
        return {"ok": False, "why": "the self-test wrote nothing"}, uncaught
    try:
        return json.loads(text), uncaught
    except ValueError as e:
        return {"ok": False, "why": "the self-test's result is no JSON (%s): %s" % (e, text[:200])}, uncaught


def check_page(failures, work, page, shot=None):
    """report.html's map in Chromium (see the module's comment); with shot, a screenshot there and its map crop."""
    where = os.path.relpath(page, work)
    res, uncaught = selftest(work, page)
    for e in res.get("errors", []):
        failures.fail(where, "JavaScript error: %s" % e)
    for e in uncaught:
        failures.fail(where, "JavaScript error on the console: %s" % e)
    if "why" in res:
        failures.fail(where, res["why"])
    positions = res.get("positions", [])
    if len(positions) != 2:
        failures.fail(where, "the self-test drew %d times, not 2" % len(positions))
    for p in positions:
        if p["pixels"] < MIN_PIXELS or p["vehicles_drawn"] < 1:
            failures.fail(where, "no vehicles drawn at %s: %d vehicles, %d pixels of their colours (at least %d "
                                 "wanted)" % (p["clock"], p["vehicles_drawn"], p["pixels"], MIN_PIXELS))
        if p["slider"] != p["time_s"]:
            failures.fail(where, "the slider shows %s, not the time drawn %s" % (p["slider"], p["time_s"]))
    if len(positions) == 2:
        if positions[0]["clock"] == positions[1]["clock"]:
            failures.fail(where, "both times show the clock %s" % positions[0]["clock"])
        if res.get("pixels_differing", 0) <= 0:
            failures.fail(where, "the vehicles at %s and %s are drawn alike" % (positions[0]["clock"],
                                                                                positions[1]["clock"]))
    if res.get("base_pixels", 0) <= 0:
        failures.fail(where, "no roads or demand drawn")
    if not res.get("ok") and not failures:
        failures.fail(where, "the self-test says it failed: %s" % json.dumps(res)[:500])
    if shot and positions:
        check_screenshot(failures, work, page, shot, res)
    return res


def check_screenshot(failures, work, page, shot, res):
    """A screenshot of the page after its self-test, as tall as the map's bottom; the map cropped from it must show
    the vehicles' colours (those the self-test counted at its last time)."""
    from PIL import Image
    where = os.path.relpath(page, work)
    box = res["canvas"]
    height = box["y"] + box["height"] + 80
    run = chromium(work, "--screenshot=" + shot, "--window-size=%d,%d" % (WIDTH, height),
                   "file://%s#selftest" % os.path.abspath(page))
    if run.returncode != 0 or not os.path.exists(shot):
        failures.fail(where, "no screenshot (exit %d): %s" % (run.returncode, run.stderr.strip()[-300:]))
        return
    img = Image.open(shot).convert("RGB")
    crop = img.crop((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
    crop.save(shot[:-4] + "-map.png")
    colours = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in res["positions"][-1]["pixels_by_colour"]}
    seen = sum(1 for p in crop.getdata() if p in colours)
    if seen < MIN_PIXELS:
        failures.fail(where, "the screenshot's map shows %d pixels of the vehicles' colours (at least %d wanted)"
                      % (seen, MIN_PIXELS))


def self_test(work, page):
    """The checks on pages made to be wrong: a script error in the map's drawing, a syntax error, and a map without
    vehicles."""
    failures = Failures()
    with open(page, encoding="utf-8") as f:
        html = f.read()
    broken = {
        "a script error": (html.replace("function draw (t) {", "function draw (t) {\n  noSuchFunction();", 1),
                           "JavaScript error"),
        "a syntax error": (html.replace("function draw (t) {", "function draw (t) {{", 1), "JavaScript error"),
        "no vehicles": (re.sub(r'("frames":\{"t":\[[^\]]*\],"n":\[)([^\]]*)',
                               lambda m: m.group(1) + ",".join("0" for _ in m.group(2).split(",")),
                               re.sub(r'"dots":"[^"]*"', '"dots":""', html, count=1), count=1),
                        "no vehicles drawn"),
    }
    for name, (text, expect) in broken.items():
        if text == html:
            failures.fail("self-test", "could not break the page for %s (the page changed?)" % name)
            continue
        bad = os.path.join(os.path.dirname(page), "broken-%s.html" % name.replace(" ", "-"))
        with open(bad, "w", encoding="utf-8") as f:
            f.write(text)
        probe = Failures()
        check_page(probe, work, bad)
        said = "; ".join(probe)
        if expect not in said:
            failures.fail("self-test", "a page with %s: the check did not say \"%s\" (it said: %s)"
                          % (name, expect, said or "nothing"))
        os.unlink(bad)
    return failures


def main():
    missing = [p for p in ("chromium",) if not shutil.which(p)]
    try:
        import PIL  # noqa: F401
    except ImportError:
        missing.append("Pillow (python3-pil)")
    if missing:
        msg = "check_map_page: %s not installed (tools/setup.sh installs them)" % ", ".join(missing)
        if os.environ.get("CI") == "true":
            print(msg + "; under CI nothing is skipped", file=sys.stderr)
            return 1
        print(msg + ": skipped", file=sys.stderr)
        return SKIP
    sim = os.path.join(os.environ["RT_TOOLS_DIR"], "robotaxi-sim")
    keep = os.environ.get("RT_MAP_PAGE_DIR")
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        os.makedirs(keep)
        work = keep
    else:
        work = tempfile.mkdtemp(prefix="check_map_page.")
    failures = Failures()
    try:
        day, plain = os.path.join(work, "day"), os.path.join(work, "plain")
        for folder, extra in ((day, ["--trajectories"]), (plain, [])):
            run = subprocess.run([sim, "-q", "-o", folder] + extra + SMALL, capture_output=True, text=True,
                                 timeout=300)
            if run.returncode != 0:
                raise RuntimeError("robotaxi-sim exited %d: %s" % (run.returncode, run.stderr.strip()[-1000:]))
        page = os.path.join(day, "report.html")
        frames = os.path.join(day, "map_frames.json")   # the map's vehicles, made during the run (not fcd.csv)
        if not os.path.exists(frames):
            failures.fail("day", "--trajectories wrote no map_frames.json")
        elif os.path.getsize(frames) >= os.path.getsize(os.path.join(day, "fcd.csv")):
            failures.fail("day", "map_frames.json is not smaller than fcd.csv")
        res = check_page(failures, work, page, shot=os.path.join(work, "map-screenshot.png"))
        with open(os.path.join(work, "map-selftest.json"), "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
        if res.get("positions"):
            print("check_map_page: %s" % ", ".join("%s: %d vehicles, %d px" % (p["clock"], p["vehicles_drawn"],
                                                                                p["pixels"])
                                                  for p in res["positions"]))
        with open(os.path.join(plain, "report.html"), encoding="utf-8") as f:
            if "map-canvas" in f.read():
                failures.fail("plain/report.html", "a run without --trajectories has a map")
        failures += self_test(work, page)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        failures.fail("run", str(e))
    finally:
        shutil.rmtree(os.path.join(work, "chromium-profile"), ignore_errors=True)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    for line in failures:
        print("FAIL " + line)
    print("check_map_page: %d failures%s" % (len(failures), "; run, screenshots and self-test in " + work
                                             if keep else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
