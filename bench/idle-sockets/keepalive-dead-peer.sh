#!/usr/bin/env bash
# How long the kernel's TCP keepalive takes to give up on a peer that vanished (no FIN, no reset),
# with the keepalive Node sets (socket.setKeepAlive / net.createServer({ keepAlive }), as Tether's
# realtime sockets do). Root and iproute2 only: two network namespaces joined by a veth pair; the
# client connects, then its namespace gets a blackhole route back to the server, so the server's
# probes arrive but are never answered. Prints the server socket's keepalive timer (`ss -tno`:
# `timer:(keepalive,<left>,<probes sent>)`) every 2 s until the kernel ends the connection.
#
#   sudo bash bench/idle-sockets/keepalive-dead-peer.sh [idle seconds, default 2]
#
# Set INTVL and PROBES to change the namespace's net.ipv4.tcp_keepalive_intvl / _probes: Node sets
# its own (1 s × 10) on every socket it turns keepalive on for, so they change nothing.
set -euo pipefail
IDLE=${1:-2}
S=tka-srv-$$ C=tka-cli-$$
ip netns add "$S"
ip netns add "$C"
trap 'ip netns del "$S"; ip netns del "$C"' EXIT
ip link add tka0 netns "$S" type veth peer name tka1 netns "$C"
ip -n "$S" addr add 10.213.0.1/24 dev tka0
ip -n "$C" addr add 10.213.0.2/24 dev tka1
for ns in "$S" "$C"; do ip -n "$ns" link set lo up; done
ip -n "$S" link set tka0 up
ip -n "$C" link set tka1 up
if [ -n "${INTVL:-}" ]; then
  ip netns exec "$S" sysctl -q -w net.ipv4.tcp_keepalive_intvl="$INTVL" net.ipv4.tcp_keepalive_probes="${PROBES:-9}"
fi
ip netns exec "$S" sysctl net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes
echo "node $(node --version), keepalive after ${IDLE} s"
ip netns exec "$S" env NS_CLIENT="$C" IDLE="$IDLE" node --input-type=module -e '
import net from "node:net";
import { execFileSync } from "node:child_process";
const t0 = Date.now();
const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const server = net.createServer({ keepAlive: true, keepAliveInitialDelay: Number(process.env.IDLE) * 1000 }, (s) => {
  execFileSync("ip", ["-n", process.env.NS_CLIENT, "route", "add", "blackhole", "10.213.0.1/32"]);
  console.log(`${at()} accepted; the client no longer answers`);
  const show = () => console.log(`${at()} ${execFileSync("ss", ["-tnoH", "state", "established", "( sport = :7399 )"]).toString().trim() || "(gone)"}`);
  show();
  const timer = setInterval(show, 2000);
  s.on("error", (e) => console.log(`${at()} socket error ${e.code}`));
  s.on("close", () => { console.log(`${at()} closed by the kernel`); clearInterval(timer); server.close(); });
});
server.listen(7399, "10.213.0.1");
setTimeout(() => { console.log(`${at()} still open: giving up`); process.exit(1); }, 120_000).unref();
' &
sleep 0.5
ip netns exec "$C" node -e "const c=require('net').connect(7399,'10.213.0.1');c.on('error',()=>{});setTimeout(()=>c.destroy(),125000)" &
CLIENT=$!
wait %1
kill "$CLIENT" 2>/dev/null || true
