#!/usr/bin/python3
"""Live clients for bench/serve/run: N threads hold /api/v1/stream open while one writer posts
one reading at a time (each answered after its commit); every client must receive every reading,
and the delay from the commit's answer to each arrival is measured.
Usage: live_clients.py PORT VIEWER_TOKEN OPERATOR_TOKEN [CLIENTS] [READINGS]"""
import http.client, json, sys, threading, time

port, viewer, operator = int(sys.argv[1]), sys.argv[2], sys.argv[3]
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 200
readings = int(sys.argv[5]) if len(sys.argv) > 5 else 50
arrivals = [dict() for _ in range(clients)]  # client -> {value: time}
ready = threading.Barrier(clients + 1)

def listen(i):
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    con.request("GET", "/api/v1/stream?machine=LIVE", headers={"Authorization": "Bearer " + viewer})
    r = con.getresponse()
    assert r.status == 200, r.status
    r.fp.readline()  # the greeting comment: subscribed
    ready.wait()
    event = None
    while len(arrivals[i]) < readings:
        line = r.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "readings":
            now = time.monotonic()
            for row in json.loads(line[6:]):
                arrivals[i].setdefault(row["value"], now)
    con.close()

threads = [threading.Thread(target=listen, args=(i,), daemon=True) for i in range(clients)]
for t in threads:
    t.start()
ready.wait()
acked = {}
w = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
t0 = 1767571200000 + 10**9
for k in range(readings):
    w.request("POST", "/api/v1/readings", body=f"ts,machine,sensor,value\n{t0 + k},LIVE,load,{k}\n",
              headers={"Authorization": "Bearer " + operator, "Content-Type": "text/csv"})
    resp = w.getresponse(); resp.read()
    assert resp.status == 200, resp.status
    acked[float(k)] = time.monotonic()
    time.sleep(0.1)
for t in threads:
    t.join(timeout=10)
complete = sum(1 for a in arrivals if len(a) >= readings)
delays = sorted(max(0.0, a[v] - acked[v]) for a in arrivals for v in a if v in acked)
p99 = delays[int(0.99 * (len(delays) - 1))] if delays else float("nan")
print(f"live: {clients} clients, {readings} readings posted one at a time: {complete} clients got every reading; "
      f"delay from the commit's answer to arrival: median {1000 * delays[len(delays) // 2]:.0f} ms, "
      f"p99 {1000 * p99:.0f} ms, max {1000 * delays[-1]:.0f} ms" if delays else "live: no reading arrived")
sys.exit(0 if complete == clients and delays and delays[-1] <= 1.0 else 1)
