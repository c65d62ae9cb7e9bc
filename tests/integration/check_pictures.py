"""check_pictures: every picture a user opens answers its question at a glance. The built tools write a day's, a
multi-day run's, a sweep's and a regression run's outputs and the maps robotaxi-map renders; then every SVG must be well-formed
XML, rsvg-convert must render it, and in each plot the series of each fleet (robotaxi #0072B2, human ride-hail
#D55E00, the colours sim_figure.h gives them) must cover a visible part of the plot's height, not lie flat along an
edge, and the fleets together must fill most of its width (an axis scaled to the data). Each report.html is opened
in headless Chromium: every SVG of the folder is on the page, every image loaded, and the screenshot shows each
figure with its fleets' colours. A map shows its roads, the service area and every demand zone, named in a legend.
A self-test first proves the checks fail on a flat, a missing, a too-wide and a broken figure.

One function per kind of output (check_run_folder, check_sweep_folder, check_regress_folder, check_map). A sweep's
line figures colour the values of its second key, not fleets: their lines together must span the plot, and each
heat map must show its coloured cells.

Run by ctest with Debian's python3 (python3-pil), rsvg-convert (librsvg2-bin), chromium and gnuplot, and
RT_TOOLS_DIR, RT_SOURCE_DIR, RT_SHARED_DATA (the Monaco extract); RT_PICTURES_DIR keeps the outputs and screenshots
there (else a temporary folder, removed). Outside CI a missing program or Pillow skips the test (exit 77), and a
missing extract skips its map, each with a message; under CI=true both fail."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
FLEETS = {"robotaxi": (0x00, 0x72, 0xB2), "human": (0xD5, 0x5E, 0x00)}
MIN_HEIGHT = 0.15    # a fleet's pixels span at least this share of the plot's height
MIN_WIDTH = 0.50     # ... and the fleets together at least this share of its width
MIN_PIXELS = 40      # fewer pixels of a colour than this is no series (a stray point, a key's sample)
MIN_COVER = 0.5      # a pixel is a colour's when it shows at least this much of it over white

# Small runs, so the test takes seconds in a Release build and well under two minutes under the sanitizers; both
# fleets still have riders every hour.
SMALL = ["--set", "demand.trips_per_day=16000", "--set", "human.drivers=640", "--set", "map.grid_m=1000"]

MAP_ZONE = (0xCC, 0x79, 0xA7)   # demand zones on a map (sim_map_svg.c)
WUHAN_ZONES = ("hankou_cbd", "yongqing", "hankou_station", "jiedaokou", "optics_valley", "wuchang_station",
               "wuhan_station", "wangjiadun", "zhuankou")   # the default scenario's

# The figures of a run's folder and the fleets each one draws; days.svg and days_pay.svg are of human drivers only.
RUN_FIGURES = {
    "fares": ("robotaxi", "human"),
    "utilization": ("robotaxi", "human"),
    "waits": ("robotaxi", "human"),
    "costcurve": ("robotaxi", "human"),
    "choice": ("robotaxi", "human"),
    "days": ("human",),
    "days_pay": ("human",),
}


class Pictures:
    """What went wrong, figure by figure; the tools and where things are."""

    def __init__(self, tools, source, work):
        self.tools, self.source, self.work = tools, source, work
        self.failures = []
        self.checked = 0

    def fail(self, where, what):
        self.failures.append("%s: %s" % (where, what))

    def tool(self, name, *args, ok=(0,)):
        cmd = [os.path.join(self.tools, name)] + list(args)
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if run.returncode not in ok:
            raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), run.returncode, run.stderr.strip()[-2000:]))
        return run


# ---------------------------------------------------------------------------------------------------------------
# pixels


def s_cover(p, c):
    """How much of colour c over white the pixel p shows (0..1), or None when p is not c over white."""
    shares = [(255 - pc) / (255 - cc) for pc, cc in zip(p, c) if 255 - cc >= 60]
    a = sum(shares) / len(shares)
    if max(shares) - min(shares) > 0.15:
        return None
    for pc, cc in zip(p, c):
        if abs(pc - (a * cc + (1 - a) * 255)) > 24:
            return None
    return a


def colour_pixels(img, box=None):
    """Per fleet, the (x, y) of the pixels of its colour inside box (left, top, right, bottom; None: all)."""
    w, h = img.size
    left, top, right, bottom = box or (0, 0, w - 1, h - 1)
    found = {name: [] for name in FLEETS}
    data = img.getdata()
    for y in range(max(top, 0), min(bottom, h - 1) + 1):
        row = y * w
        for x in range(max(left, 0), min(right, w - 1) + 1):
            p = data[row + x][:3]
            hi, lo = max(p), min(p)
            if hi - lo < 40:   # white, grey and black: the page, the grid, axes and text
                continue
            for name, c in FLEETS.items():
                a = s_cover(p, c)
                if a is not None and a >= MIN_COVER:
                    found[name].append((x, y))
    return found


def s_runs(marks, gap):
    """The stretch of marks (position, 1 dark grey or 2 colour) with gaps of at most gap that holds the most dark
    grey: (dark count, start, end)."""
    best, start, prev, dark = (0, 0, 0), None, None, 0
    for p, m in marks:
        if start is None or p - prev > gap + 1:
            start, dark = p, 0
        prev = p
        dark += m == 1
        if dark > best[0]:
            best = (dark, start, p)
    return best


def plot_area(img):
    """The plot's area (left, top, right, bottom) in a rendered gnuplot figure: the x axis is the row of dark grey
    with the longest stretch (a curve that crosses it counts), the y axis the column at its left end."""
    w, h = img.size
    cols, rows = [[] for _ in range(w)], [[] for _ in range(h)]
    for i, p in enumerate(img.getdata()):
        hi, lo = max(p[:3]), min(p[:3])
        m = 1 if hi < 200 and hi - lo < 24 else 2 if hi - lo >= 24 else 0
        if m:
            y, x = divmod(i, w)
            cols[x].append((y, m))
            rows[y].append((x, m))
    _, left, right, bottom = max(s_runs(r, 3) + (y,) for y, r in enumerate(rows))
    _, top, _, _ = max(s_runs([(y, m) for y, m in cols[x] if y <= bottom + 1], 2) + (x,)
                       for x in range(left, min(left + 9, w)))
    return left, top, right, bottom


# ---------------------------------------------------------------------------------------------------------------
# one SVG


def s_parse(pics, path):
    """The SVG's root element, or None after a failure: it must be well-formed XML whose root is <svg>."""
    name = os.path.basename(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        pics.fail(name, "not well-formed XML: %s" % e)
        return None
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        pics.fail(name, "the root element is <%s>, not <svg>" % root.tag)
        return None
    return root


def render(pics, path):
    """path rendered by rsvg-convert as an RGB image, or None after a failure."""
    from PIL import Image
    png = path[:-4] + ".png"
    run = subprocess.run(["rsvg-convert", "-b", "white", "-o", png, path], capture_output=True, text=True,
                         timeout=120)
    if run.returncode != 0:
        pics.fail(os.path.basename(path), "rsvg-convert cannot render it: %s" % run.stderr.strip())
        return None
    return Image.open(png).convert("RGB")


def s_has_colour(text, c):
    """Whether the SVG's text names colour c, as gnuplot (rgb(  0, 114, 178)) or a hand-written file (#0072b2)
    does."""
    rgb = r"rgb\(\s*%d,\s*%d,\s*%d\)" % c
    return re.search(rgb, text) is not None or ("#%02x%02x%02x" % c) in text.lower()


def s_plot_pixels(pics, path):
    """A plot's area (left, top, right, bottom) and, per fleet colour, its pixels inside the axes (the key's samples
    and coloured tic labels lie outside); None after a failure (not well-formed, not rendered, no plot area)."""
    if s_parse(pics, path) is None:
        return None
    img = render(pics, path)
    if img is None:
        return None
    pics.checked += 1
    left, top, right, bottom = plot_area(img)
    if bottom - top < 100 or right - left < 200:
        pics.fail(os.path.basename(path), "no plot area found (%d..%d x %d..%d px)" % (left, right, top, bottom))
        return None
    return (left, top, right, bottom), colour_pixels(img, (left + 2, top, right, bottom - 2))


def check_plot(pics, path, fleets):
    """A plot: well-formed, rendered, and the series of each of fleets span the plot (see the module's comment)."""
    name = os.path.basename(path)
    drawn = s_plot_pixels(pics, path)
    if drawn is None:
        return
    (left, top, right, bottom), found = drawn
    with open(path, encoding="utf-8") as f:
        text = f.read()
    xs = []
    for fleet in fleets:
        if not s_has_colour(text, FLEETS[fleet]):
            pics.fail(name, "no %s series: the SVG never uses its colour #%02X%02X%02X" % ((fleet,) + FLEETS[fleet]))
            continue
        px = found[fleet]
        if len(px) < MIN_PIXELS:
            pics.fail(name, "the %s series is not drawn inside the plot (%d pixels of its colour)" % (fleet, len(px)))
            continue
        ys = [y for _, y in px]
        span = (max(ys) - min(ys) + 1) / (bottom - top)
        if span < MIN_HEIGHT:
            edge = " along the bottom" if min(ys) > bottom - 0.2 * (bottom - top) else \
                " along the top" if max(ys) < top + 0.2 * (bottom - top) else ""
            pics.fail(name, "the %s series is a flat line%s: it spans %.0f%% of the plot's height (at least %.0f%% "
                            "wanted)" % (fleet, edge, 100 * span, 100 * MIN_HEIGHT))
        xs += [x for x, _ in px]
    if xs:
        width = (max(xs) - min(xs) + 1) / (right - left)
        if width < MIN_WIDTH:
            pics.fail(name, "the series fill %.0f%% of the plot's width: the x axis runs far past the data"
                            % (100 * width))


def check_picture(pics, path, colours):
    """A picture that is no plot of fleets (a map, the regression chart): well-formed, rendered, and each of colours
    ((name, rgb) pairs) shows in it."""
    name = os.path.basename(path)
    if s_parse(pics, path) is None:
        return
    img = render(pics, path)
    if img is None:
        return
    pics.checked += 1
    for what, c in colours:
        n = sum(1 for p in img.getdata() if max(p) - min(p) >= 40 and (s_cover(p, c) or 0) >= MIN_COVER)
        if n < MIN_PIXELS:
            pics.fail(name, "%s (%s) does not show: %d pixels of its colour" % (what, "#%02X%02X%02X" % c, n))


# ---------------------------------------------------------------------------------------------------------------
# report.html in Chromium

S_PAGE_WIDTH = 1280

# Appended to a copy of the page: once everything has loaded, each image's state and place, and the page's height.
S_PROBE = """<script>window.addEventListener('load', function () {
  var out = ['height ' + document.documentElement.scrollHeight];
  for (const img of document.images) {
    var r = img.getBoundingClientRect();
    out.push(['img', img.getAttribute('src'), img.complete ? img.naturalWidth : 0, Math.round(r.left + scrollX),
              Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)].join(' '));
  }
  var pre = document.createElement('pre');
  pre.id = 'rt-probe';
  pre.textContent = out.join('\\n');
  document.body.appendChild(pre);
});</script>
"""


def s_chromium(pics, *args):
    profile = os.path.join(pics.work, "chromium-profile")
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--user-data-dir=" + profile, "--virtual-time-budget=10000"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def check_report(pics, folder, figures):
    """report.html of folder in headless Chromium: every SVG of the folder is an image on the page, each loaded,
    and the screenshot shows each figure with the colours of figures[NAME] (fleet names; a figure not listed must
    only show something)."""
    from PIL import Image
    page = os.path.join(folder, "report.html")
    where = os.path.relpath(page, pics.work)
    if not os.path.exists(page):
        pics.fail(where, "missing")
        return
    with open(page, encoding="utf-8") as f:
        html = f.read()
    probe = os.path.join(folder, ".check_pictures.html")
    with open(probe, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", S_PROBE + "</body>"))
    # laid out as wide as the screenshot, so the images' places hold in it
    run = s_chromium(pics, "--dump-dom", "--window-size=%d,800" % S_PAGE_WIDTH, "file://" + os.path.abspath(probe))
    found = re.search(r'<pre id="rt-probe">(.*?)</pre>', run.stdout, re.S)
    if run.returncode != 0 or not found:
        pics.fail(where, "Chromium did not load the page (exit %d): %s" % (run.returncode, run.stderr.strip()[-500:]))
        return
    lines = found.group(1).split("\n")
    height = int(lines[0].split()[1])
    images = {}
    for line in lines[1:]:
        _, src, natural, x, y, w, h = line.split(" ")
        images[src] = (int(natural), int(x), int(y), int(w), int(h))
    svgs = sorted(f for f in os.listdir(folder) if f.endswith(".svg"))
    for svg in svgs:
        if svg not in images:
            pics.fail(where, "%s is not on the page" % svg)
    os.unlink(probe)
    # the page itself: the probe only added its lines below everything, so the images are where it found them
    shot = os.path.join(folder, "report-screenshot.png")
    size = "--window-size=%d,%d" % (S_PAGE_WIDTH, min(max(height, 600), 30000))
    run = s_chromium(pics, "--screenshot=" + shot, size, "file://" + os.path.abspath(page))
    if run.returncode != 0 or not os.path.exists(shot):
        pics.fail(where, "no screenshot (exit %d): %s" % (run.returncode, run.stderr.strip()[-500:]))
        return
    img = Image.open(shot).convert("RGB")
    pics.checked += 1
    for src, (natural, x, y, w, h) in sorted(images.items()):
        if natural <= 0 or w < 300 or h < 150:
            pics.fail(where, "%s did not load (%dx%d px on the page)" % (src, w, h))
            continue
        name = src[:-4] if src.endswith(".svg") else src
        seen = colour_pixels(img, (x, y, x + w - 1, y + h - 1))
        for fleet in figures.get(name, ()):
            if len(seen[fleet]) < MIN_PIXELS:
                pics.fail(where, "%s shows no %s series in the screenshot (%d pixels)" % (src, fleet,
                                                                                          len(seen[fleet])))
        crop = img.crop((x, y, x + w, y + h))
        if crop.convert("L").getextrema()[0] > 200:
            pics.fail(where, "%s is blank in the screenshot" % src)


# ---------------------------------------------------------------------------------------------------------------
# the reports


def check_run_folder(pics, folder, ndays, more=None):
    """A run's folder (robotaxi-sim -o): its figures, days.svg for several days, the figures of more (charging.svg
    of a battery day; the same shape as RUN_FIGURES), and report.html."""
    figures = dict(RUN_FIGURES, **(more or {}))
    for name, fleets in figures.items():
        path = os.path.join(folder, name + ".svg")
        if name.startswith("days") and ndays < 2:
            if os.path.exists(path):
                pics.fail(os.path.relpath(path, pics.work), "drawn for a run of one day")
            continue
        if not os.path.exists(path):
            pics.fail(os.path.relpath(path, pics.work), "missing")
            continue
        check_plot(pics, path, fleets)
    check_report(pics, folder, figures)


def check_regress_folder(pics, folder):
    """A regression run's folder (robotaxi-regress -o): regress.svg, whose bars are the policies' changes (the
    palette's first colours are the first two policies'), and report.html."""
    path = os.path.join(folder, "regress.svg")
    if not os.path.exists(path):
        pics.fail(os.path.relpath(path, pics.work), "missing")
        return
    check_picture(pics, path, [("the first policy's colour", FLEETS["robotaxi"]),
                               ("the second policy's colour", FLEETS["human"])])
    check_report(pics, folder, {"regress": ("robotaxi", "human")})


# A sweep's line figures: one colour per value of the second swept key (sim_figure_palette: its first two colours are
# the fleets'), one line style per metric. Drawn with --baseline, so the displacement figures are there too.
SWEEP_LINES = ("sweep_share", "sweep_rides", "sweep_utilization", "sweep_cost", "sweep_profit", "sweep_wait",
               "sweep_drivers", "sweep_displaced", "sweep_income")
SWEEP_HEATS = ("sweep_heat_share", "sweep_heat_profit")   # two keys swept; both vary with the fleet and the price
HEAT_COVER = 0.05   # a heat map's coloured cells cover at least this share of the picture


def check_sweep_plot(pics, path):
    """A sweep's line figure: well-formed, rendered, the first two values' colours drawn inside the plot, and the
    lines together spanning a visible part of its height and most of its width. (A value's line may rightly lie
    low beside another's: the colours are values of a key, not fleets, so each is not held to a height alone.)"""
    name = os.path.basename(path)
    drawn = s_plot_pixels(pics, path)
    if drawn is None:
        return
    (left, top, right, bottom), found = drawn
    px = []
    for value, colour in enumerate(FLEETS):
        if len(found[colour]) < MIN_PIXELS:
            pics.fail(name, "the line of the second key's value %d is not drawn inside the plot (%d pixels of its "
                            "colour)" % (value + 1, len(found[colour])))
        px += found[colour]
    if len(px) < MIN_PIXELS:
        return
    ys, xs = [y for _, y in px], [x for x, _ in px]
    height, width = (max(ys) - min(ys) + 1) / (bottom - top), (max(xs) - min(xs) + 1) / (right - left)
    if height < MIN_HEIGHT:
        pics.fail(name, "the lines are flat: together they span %.0f%% of the plot's height (at least %.0f%% wanted)"
                  % (100 * height, 100 * MIN_HEIGHT))
    if width < MIN_WIDTH:
        pics.fail(name, "the lines fill %.0f%% of the plot's width: the x axis runs far past the data" % (100 * width))


def check_heat_map(pics, path):
    """A sweep's heat map: well-formed, rendered, and its cells coloured over a visible part of the picture."""
    name = os.path.basename(path)
    if s_parse(pics, path) is None:
        return
    img = render(pics, path)
    if img is None:
        return
    pics.checked += 1
    w, h = img.size
    coloured = sum(1 for p in img.getdata() if max(p) - min(p) >= 40)
    if coloured < HEAT_COVER * w * h:
        pics.fail(name, "its cells cover %.1f%% of the picture (at least %.0f%% wanted)" % (100 * coloured / (w * h),
                                                                                          100 * HEAT_COVER))


def check_sweep_folder(pics, folder):
    """A two-key sweep's folder (robotaxi-sim --sweep K1=... --sweep K2=... --baseline): every line figure and heat
    map, and report.html."""
    for name in SWEEP_LINES + SWEEP_HEATS:
        path = os.path.join(folder, name + ".svg")
        if not os.path.exists(path):
            pics.fail(os.path.relpath(path, pics.work), "missing")
        elif name in SWEEP_HEATS:
            check_heat_map(pics, path)
        else:
            check_sweep_plot(pics, path)
    check_report(pics, folder, {name: ("robotaxi", "human") for name in SWEEP_LINES})


def check_map(pics, path, zones):
    """A map robotaxi-map rendered: well-formed, rendered, its roads, the service area (in the robotaxi fleet's
    colour) and each of zones (names) drawn, and a legend that names them."""
    name = os.path.relpath(path, pics.work)
    if not os.path.exists(path):
        pics.fail(name, "missing")
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for what, needle in (("roads", '<path class="local"'),
                         ("a legend naming the service area", "robotaxi service area"),
                         ("a legend naming the demand zones", "demand zone"),
                         ("the service area", '<path class="service-area"')):
        if needle not in text:
            pics.fail(name, "no %s (%s)" % (what, needle))
    for zone in zones:
        if '>%s (weight ' % zone not in text:
            pics.fail(name, "the zone %s is not named" % zone)
    if text.count('<circle class="zone"') != len(zones):
        pics.fail(name, "%d zones drawn, not %d" % (text.count('<circle class="zone"'), len(zones)))
    check_picture(pics, path, [("the service area", FLEETS["robotaxi"]), ("the demand zones", MAP_ZONE)])


# ---------------------------------------------------------------------------------------------------------------
# the checks checked: a flat, a missing and a broken figure must fail


def self_test(pics):
    """The checks on figures drawn to be wrong: a robotaxi share of 3% flat on a 0-100% axis (the choice plot
    before issue 16), a plot without the human fleet, an axis three times longer than the data, and a truncated
    SVG."""
    d = os.path.join(pics.work, "self-test")
    os.makedirs(d)
    script = """set terminal svg size 900,560 dynamic background rgb 'white'
set border 3 lc rgb '#555555'
set tics nomirror
set key below
set samples 50
set output '%s/flat.svg'
set xrange [0:40]
set yrange [0:100]
plot 3 - x / 20 lw 2.5 lc rgb '#0072B2' title 'robotaxi', 70 + x / 2 lw 2.5 lc rgb '#D55E00' title 'human'
set output '%s/one.svg'
plot 50 + x lw 2.5 lc rgb '#0072B2' title 'robotaxi'
set output '%s/wide.svg'
set xrange [0:120]
plot (x < 40 ? 50 + x : NaN) lw 2.5 lc rgb '#0072B2' title 'robotaxi', \\
     (x < 40 ? 20 + x : NaN) lw 2.5 lc rgb '#D55E00' title 'human'
set output '%s/good.svg'
plot [0:40] 50 + x lw 2.5 lc rgb '#0072B2' title 'robotaxi', 20 + x lw 2.5 lc rgb '#D55E00' title 'human'
""" % (d, d, d, d)
    run = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise RuntimeError("gnuplot: %s" % run.stderr.strip())
    with open(os.path.join(d, "good.svg"), encoding="utf-8") as f:
        good = f.read()
    with open(os.path.join(d, "broken.svg"), "w", encoding="utf-8") as f:
        f.write(good[: len(good) // 2])
    want = {"flat.svg": "the robotaxi series is a flat line along the bottom",
            "one.svg": "no human series",
            "wide.svg": "the x axis runs far past the data",
            "broken.svg": "not well-formed XML",
            "good.svg": None}
    for svg, expect in want.items():
        probe = Pictures(pics.tools, pics.source, pics.work)
        check_plot(probe, os.path.join(d, svg), ("robotaxi", "human"))
        said = "; ".join(probe.failures)
        if expect is None and probe.failures:
            pics.fail("self-test", "%s is a good plot, yet: %s" % (svg, said))
        elif expect is not None and expect not in said:
            pics.fail("self-test", "%s: the check did not say \"%s\" (it said: %s)" % (svg, expect,
                                                                                    said or "nothing"))


# ---------------------------------------------------------------------------------------------------------------


def s_missing():
    """What the test needs and this machine lacks."""
    missing = [p for p in ("rsvg-convert", "chromium", "gnuplot") if not shutil.which(p)]
    try:
        import PIL  # noqa: F401
    except ImportError:
        missing.append("Pillow (python3-pil)")
    return missing


def main():
    missing = s_missing()
    if missing:
        msg = "check_pictures: %s not installed (tools/setup.sh installs them)" % ", ".join(missing)
        if os.environ.get("CI") == "true":
            print(msg + "; under CI nothing is skipped", file=sys.stderr)
            return 1
        print(msg + ": skipped", file=sys.stderr)
        return SKIP
    tools, source = os.environ["RT_TOOLS_DIR"], os.environ["RT_SOURCE_DIR"]
    keep = os.environ.get("RT_PICTURES_DIR")
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        os.makedirs(keep)
        work = keep
    else:
        work = tempfile.mkdtemp(prefix="check_pictures.")
    pics = Pictures(tools, source, work)
    try:
        self_test(pics)

        day, days = os.path.join(work, "day"), os.path.join(work, "days")
        pics.tool("robotaxi-sim", "-q", "-o", day, *SMALL)
        check_run_folder(pics, day, 1)
        pics.tool("robotaxi-sim", "-q", "-o", days, "--days", "3", "--baseline", *SMALL)
        check_run_folder(pics, days, 3)
        # a day with batteries: charging.svg (vehicles charging, waiting and on shift by hour) for both fleets
        battery = os.path.join(work, "battery")
        pics.tool("robotaxi-sim", "-q", "-o", battery, "--set", "charging.mode=battery", *SMALL)
        check_run_folder(pics, battery, 1, {"charging": ("robotaxi", "human")})

        # a two-key sweep with the baseline over two days (displacement starts on the second) and two seeds a point
        sweep = os.path.join(work, "sweep")
        pics.tool("robotaxi-sim", "-q", "-o", sweep, "--sweep", "robotaxi.fleet_size=20,40,80", "--sweep",
                  "robotaxi.promo_factor=0.3,0.6", "--sweep-seeds", "2", "--baseline", "--days", "2", "--jobs", "2",
                  *SMALL)
        check_sweep_folder(pics, sweep)

        # a suite of one scenario, blessed by a first run; the second, with more robotaxis, has changes to draw
        suite, regress = os.path.join(work, "suite"), os.path.join(work, "regress")
        os.makedirs(suite)
        for f in ("weekday.ini", "tolerances.csv"):
            shutil.copy(os.path.join(source, "tests", "policies", f), suite)
        common = ["--suite", suite, "-q", "--policy", "nearest", "--policy", "batch", *SMALL]
        pics.tool("robotaxi-regress", "-o", os.path.join(work, "regress-bless"), "--bless", *common)
        pics.tool("robotaxi-regress", "-o", regress, "--set", "robotaxi.fleet_size=80", *common, ok=(0, 1))
        check_regress_folder(pics, regress)

        # the maps: the embedded city with the default scenario's zones, and an OSM extract with the one zone and
        # the whole-map service area a run on it gets (or those of the scenario written for it)
        wuhan = os.path.join(work, "maps", "wuhan.svg")
        os.makedirs(os.path.dirname(wuhan))
        pics.tool("robotaxi-map", "render", "embedded:wuhan", "-o", wuhan, "-q")
        check_map(pics, wuhan, WUHAN_ZONES)
        pbf = os.path.join(os.environ.get("RT_SHARED_DATA", os.path.join(source, "..", "shared", "data")), "osm",
                           "monaco.osm.pbf")
        if os.access(pbf, os.R_OK):
            monaco = os.path.join(work, "maps", "monaco.svg")
            pics.tool("robotaxi-map", "render", pbf, "--scenario", os.path.join(source, "scenarios", "monaco.ini"),
                      "--width", "1200", "-o", monaco, "-q")
            check_map(pics, monaco, ("centre",))
        elif os.environ.get("CI") == "true":
            pics.fail("maps", "test data %s is missing (CI=true: a missing fixture fails)" % pbf)
        else:
            print("SKIP: test data %s is missing: the OSM map is not rendered (outside CI)" % pbf, file=sys.stderr)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        pics.fail("run", str(e))
    finally:
        shutil.rmtree(os.path.join(work, "chromium-profile"), ignore_errors=True)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    for line in pics.failures:
        print("FAIL " + line)
    print("check_pictures: %d pictures and pages checked, %d failures%s" % (
        pics.checked, len(pics.failures), "; outputs and screenshots in " + work if keep else ""))
    return 1 if pics.failures else 0


if __name__ == "__main__":
    sys.exit(main())
