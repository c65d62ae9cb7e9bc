#!/usr/bin/python3
"""subscribe.py: a robotaxi metrics subscriber in Python, as an example for any language with ZeroMQ and protobuf.

Subscribes to a robotaxi-dispatcher's (or robotaxi-sim --publish's) metrics stream, optionally starts from the
publisher's state endpoint (the ZeroMQ guide's "Clone" pattern), prints every snapshot and reports gaps in the
publisher's sequence numbers, as robotaxi-watch does.

Needs Debian's python3-zmq and python3-protobuf, and robotaxi_pb2.py, which the build generates from
proto/robotaxi.proto into build/proto/python (by hand: protoc --python_out=DIR --proto_path=proto robotaxi.proto).

    PYTHONPATH=build/proto/python /usr/bin/python3 tools/subscribe.py \\
        --state tcp://127.0.0.1:5557 tcp://127.0.0.1:5556
"""
import argparse
import json
import os
import sys

try:
    import zmq
except ImportError:
    sys.exit("subscribe.py: the zmq module is missing: apt-get install python3-zmq (and run /usr/bin/python3)")

# Without PYTHONPATH, look where a build in the checkout's build/ folder puts the generated module.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "proto", "python"))
try:
    import robotaxi_pb2 as pb
except ImportError as e:
    sys.exit("subscribe.py: cannot import robotaxi_pb2 (%s): build the project, then run with "
             "PYTHONPATH=BUILD/proto/python, or generate it with "
             "protoc --python_out=DIR --proto_path=proto robotaxi.proto (needs python3-protobuf)" % e)

PROG = "subscribe.py"
HWM = 10000                    # as the dispatcher's sockets
MAX_MSG_BYTES = 16 << 20


def to_dict(msg):
    """Every field of a protobuf message, defaults included, enums by name (uint64 stay numbers)."""
    out = {}
    for f in msg.DESCRIPTOR.fields:
        value = getattr(msg, f.name)
        repeated = f.label == f.LABEL_REPEATED
        if f.type == f.TYPE_MESSAGE:
            if repeated:
                out[f.name] = [to_dict(v) for v in value]
            elif msg.HasField(f.name):
                out[f.name] = to_dict(value)
        elif f.type == f.TYPE_ENUM:
            def name(n):
                v = f.enum_type.values_by_number.get(n)
                return v.name if v else n
            out[f.name] = [name(v) for v in value] if repeated else name(value)
        else:
            out[f.name] = list(value) if repeated else value
    return out


class SequenceCheck:
    """The publisher's numbers per topic: a jump is a gap, a new publisher id starts the count again, and after a
    state reply the stream's messages numbered at or below the state's are already known."""

    def __init__(self):
        self.topics = {}               # topic -> [publisher, last seq, state seq or None]
        self.state_publisher = None
        self.received = self.skipped = self.gaps = self.missing = 0

    def set_state(self, reply):
        self.state_publisher = reply.publisher
        for t in reply.topics:
            self.topics[t.topic] = [reply.publisher, t.seq, t.seq]

    def check(self, topic, publisher, seq):
        """Returns True when the message is new (show it); reports gaps and publisher changes on stderr."""
        self.received += 1
        if seq == 0:
            return True
        entry = self.topics.get(topic)
        if entry is None:
            # The state's publisher had nothing on this topic when the state was taken: it must start at 1.
            stated = publisher == self.state_publisher
            entry = self.topics[topic] = [publisher, 0 if stated else seq - 1, 0 if stated else None]
        if entry[0] != publisher:
            print("%s: publisher on %s changed: %s -> %s; counting from seq %d"
                  % (PROG, topic, entry[0] or "(none)", publisher, seq), file=sys.stderr)
            self.topics[topic] = [publisher, seq, None]
            return True
        if seq <= entry[1]:
            self.skipped += 1
            return False
        if seq > entry[1] + 1:
            n = seq - 1 - entry[1]
            self.gaps += 1
            self.missing += n
            print("%s: gap on %s: %d message(s) missing (seq %d..%d)" % (PROG, topic, n, entry[1] + 1, seq - 1),
                  file=sys.stderr)
        entry[1] = seq
        return True


def show(args, topic, snap):
    if args.json:
        d = to_dict(snap)
        d["topic"] = topic
        print(json.dumps(d), flush=True)
        return
    fleets = {f.fleet: f for f in snap.fleets}
    robo, human = fleets.get(pb.FLEET_ROBOTAXI), fleets.get(pb.FLEET_HUMAN)
    minutes = snap.sim_time_ms // 60000
    print("%-16s seq %-4d day %d %02d:%02d  robotaxi %s  human %s  (%s)"
          % (topic, snap.seq, snap.day, minutes // 60, minutes % 60,
             "%d/%d served" % (robo.served, robo.requests) if robo else "-",
             "%d/%d served" % (human.served, human.requests) if human else "-", snap.session), flush=True)


def socket(ctx, kind, rcvhwm=HWM, keys=None):
    s = ctx.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.MAXMSGSIZE, MAX_MSG_BYTES)
    s.setsockopt(zmq.SNDHWM, HWM)
    s.setsockopt(zmq.RCVHWM, rcvhwm)
    if keys:  # CURVE: our key pair and the dispatcher's public key
        s.curve_publickey, s.curve_secretkey, s.curve_serverkey = keys
    return s


def curve_keys(secret_file, server_file):
    """Reads robotaxi-keygen's (CZMQ's) key files: this subscriber's key pair and the dispatcher's public key."""
    import zmq.auth
    public, secret = zmq.auth.load_certificate(secret_file if secret_file.endswith("_secret")
                                               else secret_file + "_secret")
    server, _ = zmq.auth.load_certificate(server_file)
    if not secret:
        sys.exit("%s: %s: holds no secret key (give the NAME_secret file)" % (PROG, secret_file))
    return public, secret, server


def fetch_state(ctx, args):
    """Asks the state endpoint (a REQ socket: the publisher keeps the empty delimiter frame) for the state."""
    req = socket(ctx, zmq.REQ, keys=args.keys)
    try:
        req.connect(args.state)
        req.send(pb.StateRequest(topic_prefix=args.topic).SerializeToString())
        if not req.poll(int((args.timeout or 10) * 1000)):
            sys.exit("%s: %s: no state reply within %.1f s" % (PROG, args.state, args.timeout or 10))
        reply = pb.StateReply()
        reply.ParseFromString(req.recv())
        return reply
    finally:
        req.close()


def main():
    ap = argparse.ArgumentParser(prog=PROG, description="Subscribe to a robotaxi metrics stream.")
    ap.add_argument("endpoint", help="the publisher, e.g. tcp://127.0.0.1:5556")
    ap.add_argument("--topic", default="metrics.", help="topic prefix (default 'metrics.')")
    ap.add_argument("--state", metavar="ENDPOINT", help="start from the publisher's state endpoint")
    ap.add_argument("--json", action="store_true", help="one JSON object per snapshot (proto field names)")
    ap.add_argument("--once", action="store_true", help="exit after the first final snapshot")
    ap.add_argument("--timeout", type=float, default=0, help="exit 1 when nothing arrives for this many seconds")
    ap.add_argument("--hwm", type=int, default=HWM, help="receive high-water mark (default %d)" % HWM)
    ap.add_argument("--fail-on-gap", action="store_true", help="exit 1 when any message was missing")
    ap.add_argument("--curve-secret", metavar="FILE", help="subscribe over CURVE with this key pair (robotaxi-keygen)")
    ap.add_argument("--curve-server", metavar="FILE", help="...to a dispatcher whose public key is FILE")
    args = ap.parse_args()
    if bool(args.curve_secret) != bool(args.curve_server):
        ap.error("--curve-secret and --curve-server go together")
    try:
        args.keys = curve_keys(args.curve_secret, args.curve_server) if args.curve_secret else None
    except (OSError, ValueError) as e:
        sys.exit("%s: %s" % (PROG, e))

    ctx = zmq.Context()
    sub = socket(ctx, zmq.SUB, args.hwm, args.keys)
    sub.setsockopt_string(zmq.SUBSCRIBE, args.topic)
    sub.connect(args.endpoint)
    check = SequenceCheck()
    from_state, final_seen, status = 0, False, 0
    try:
        # Subscribed first, then the state: what is published meanwhile waits in the subscription.
        if args.state:
            reply = fetch_state(ctx, args)
            for t in reply.topics:
                print("%s: state of %s: %d snapshot(s) on %s up to seq %d"
                      % (PROG, reply.publisher, len(t.latest), t.topic, t.seq), file=sys.stderr)
                for snap in t.latest:
                    show(args, t.topic, snap)
                    from_state += 1
                    final_seen |= snap.kind == pb.MetricsSnapshot.KIND_FINAL
            check.set_state(reply)
        while not (args.once and final_seen):
            if not sub.poll(int(args.timeout * 1000) if args.timeout > 0 else None):
                print("%s: %s: nothing received for %.1f s" % (PROG, args.endpoint, args.timeout), file=sys.stderr)
                status = 1
                break
            frames = sub.recv_multipart()
            if len(frames) != 2:
                print("%s: skipped a message of %d frame(s)" % (PROG, len(frames)), file=sys.stderr)
                continue
            topic = frames[0].decode("utf-8", "replace")
            snap = pb.MetricsSnapshot()
            try:
                snap.ParseFromString(frames[1])
            except Exception as e:              # a DecodeError; the stream goes on
                print("%s: skipped a message on %s: %s" % (PROG, topic, e), file=sys.stderr)
                continue
            if check.check(topic, snap.publisher, snap.seq):
                show(args, topic, snap)
                final_seen |= snap.kind == pb.MetricsSnapshot.KIND_FINAL
    except KeyboardInterrupt:
        pass
    finally:
        sub.close()
        ctx.term()
    print("%s: summary: received %d, from state %d, skipped %d, gaps %d, missing %d"
          % (PROG, check.received, from_state, check.skipped, check.gaps, check.missing), file=sys.stderr)
    if args.fail_on_gap and check.gaps:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
