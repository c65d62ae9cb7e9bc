"""check_subscribe: the Python example subscriber (tools/subscribe.py) against robotaxi-sim's own publisher. It
starts from the state endpoint, follows the day's stream without a gap, and the final snapshot it decodes has the
figures of the run's summary.json.

Run by ctest with Debian's python3 (python3-zmq, python3-protobuf), RT_TOOLS_DIR, RT_SOURCE_DIR and PYTHONPATH
pointing at the generated robotaxi_pb2.py."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SMALL = ["--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "robotaxi.fleet_size=40"]


class SubscribeTest(unittest.TestCase):
    def setUp(self):
        self.tools = os.environ["RT_TOOLS_DIR"]
        self.script = os.path.join(os.environ["RT_SOURCE_DIR"], "tools", "subscribe.py")
        self.dir = tempfile.mkdtemp(prefix="check_subscribe.")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_python_subscriber_decodes_the_day_without_a_gap(self):
        pub, state = "ipc://%s/metrics.sock" % self.dir, "ipc://%s/state.sock" % self.dir
        out_dir = os.path.join(self.dir, "out")
        # The subscriber first; the simulator waits for its subscription, so the stream loses nothing.
        sub = subprocess.Popen([sys.executable, self.script, "--state", state, "--json", "--once", "--fail-on-gap",
                                "--timeout", "120", pub], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sim = subprocess.run([os.path.join(self.tools, "robotaxi-sim"), "--publish", pub, "--state", state,
                              "--wait-subscribers", "1", "--timeout", "60", "--out", out_dir, "-q", "--no-plots"]
                             + SMALL, capture_output=True, text=True, timeout=600)
        self.assertEqual(sim.returncode, 0, sim.stderr)
        out, err = sub.communicate(timeout=120)
        self.assertEqual(sub.returncode, 0, err)
        self.assertIn(" gaps 0, missing 0", err)

        snaps = [json.loads(line) for line in out.splitlines()]
        periodic = [s for s in snaps if s["kind"] == "KIND_PERIODIC"]
        final = [s for s in snaps if s["kind"] == "KIND_FINAL"]
        self.assertEqual(len(final), 1)
        self.assertEqual(snaps[-1], final[0])
        # Whatever the state held, the periodic numbers shown run 1 .. 96 without a hole or a repeat.
        self.assertEqual([s["seq"] for s in periodic], list(range(periodic[0]["seq"], 97)))
        self.assertEqual(final[0]["seq"], 1)
        self.assertEqual(len({s["publisher"] for s in snaps}), 1)

        with open(os.path.join(out_dir, "summary.json")) as f:
            summary = json.load(f)
        got = final[0]
        self.assertEqual(got["session"], "%s seed %s" % (summary["scenario"], summary["seed"]))
        self.assertEqual(got["day"], summary["day"])
        self.assertEqual(str(got["seed"]), summary["seed"])
        names = {"FLEET_ROBOTAXI": "robotaxi", "FLEET_HUMAN": "human"}
        self.assertEqual(sorted(names[f["fleet"]] for f in got["fleets"]), sorted(summary["fleets"]))
        for fleet in got["fleets"]:
            want = summary["fleets"][names[fleet["fleet"]]]
            for key in ("vehicles", "requests", "served", "unserved"):
                self.assertEqual(fleet[key], want[key], key)
            # summary.json rounds to fixed decimals (revenue 2, km 1, waits 1)
            for key, places in (("revenue_yuan", 2), ("km_driven", 1), ("mean_wait_s", 1), ("p95_wait_s", 1)):
                self.assertLessEqual(abs(fleet[key] - want[key]), 0.5 * 10 ** -places + 1e-9, key)
        self.assertGreater(summary["fleets"]["robotaxi"]["served"], 0)   # the comparison saw real trips
        for key in ("considered", "chose_robotaxi", "chose_human", "chose_other"):
            self.assertEqual(got["choice"][key], summary["choice"][key], key)
        self.assertEqual(got["drivers"]["drivers"], summary["drivers"]["drivers"])


if __name__ == "__main__":
    unittest.main()
