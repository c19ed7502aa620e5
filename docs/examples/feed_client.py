#!/usr/bin/env python3
"""An example client of the sifasuo change feed and webhooks (docs/api.md
"Change feed", "Webhooks"), Python 3 standard library only.

  follow   read GET /api/v1/changes from the saved cursor on, append each
           change to a CSV file, save the cursor after each page (so a stop
           and a restart lose nothing and repeat at most one page; the
           cursor column tells a repeated row)
  verify   check one webhook delivery's X-Sifasuo-Signature

  python3 feed_client.py follow --url https://sfs.example.gov.cn --token sfs_… \\
      --entities mediation-cases,staff --csv changes.csv [--state changes.cursor] [--once]
  python3 feed_client.py verify --secret=SECRET --timestamp 1796000000 \\
      --signature sm3=… --body-file delivery.json

(A secret is "whsec_" and 43 base64url characters; the prefix keeps it from
beginning with "-", which would be read as an option.)

HMAC-SM3: hashlib has SM3 when Python's OpenSSL has it (hashlib.new('sm3'));
on a build without it the signature is computed by `openssl dgst -sm3 -hmac`
(OpenSSL 3), which puts the secret on that command's line, where other users
of the machine could see it in the process list: run it where only you do.
"""
import argparse
import csv
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

COLUMNS = ["cursor", "at", "entity", "entity_label", "record_id", "event", "action", "action_label", "record"]


def hmac_sm3_hex(secret: str, message: bytes) -> str:
    try:
        hashlib.new("sm3")
    except ValueError:
        out = subprocess.run(["openssl", "dgst", "-sm3", "-hmac", secret], input=message,
                             capture_output=True, check=True)
        return out.stdout.decode().rsplit("= ", 1)[1].strip()
    return hmac.new(secret.encode(), message, "sm3").hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """True when signature is "sm3=" + HMAC-SM3(secret, timestamp + "." + body)
    and the timestamp is within tolerance seconds of now (a replayed old
    delivery is refused; the X-Sifasuo-Delivery id tells a retried one)."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = "sm3=" + hmac_sm3_hex(secret, timestamp.encode() + b"." + body)
    return hmac.compare_digest(expected, signature)


def get_page(url: str, token: str, after: str, entities: str, limit: int = 500) -> dict:
    q = {"after": after, "limit": str(limit)}
    if entities:
        q["entities"] = entities
    req = urllib.request.Request(url.rstrip("/") + "/api/v1/changes?" + urllib.parse.urlencode(q),
                                 headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def save_cursor(path: str, cursor: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(cursor)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def follow(args) -> int:
    state = args.state or args.csv + ".cursor"
    after = open(state).read().strip() if os.path.exists(state) else "0"
    new_file = not os.path.exists(args.csv)
    with open(args.csv, "a", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        if new_file:
            out.writerow(COLUMNS)
        while True:
            try:
                page = get_page(args.url, args.token, after, args.entities)
            except urllib.error.HTTPError as e:
                err = json.load(e).get("error", {})
                if e.code == 410:  # the log was purged past the cursor: start over
                    print("游标已过期, 从头同步:", err.get("message"), file=sys.stderr)
                    after = "0"
                    continue
                print(f"HTTP {e.code}: {err.get('message')}", file=sys.stderr)
                return 1
            for c in page["items"]:
                row = dict(c, record=json.dumps(c["record"], ensure_ascii=False) if c["record"] else "")
                out.writerow([row.get(k) if row.get(k) is not None else "" for k in COLUMNS])
            f.flush()
            os.fsync(f.fileno())
            after = page["next"]
            save_cursor(state, after)  # after the rows are on disk: a crash repeats, never skips
            if not page["more"]:
                if args.once:
                    return 0
                time.sleep(args.interval)


def verify(args) -> int:
    body = open(args.body_file, "rb").read()
    ok = verify_signature(args.secret, args.timestamp, body, args.signature, args.tolerance)
    print("签名有效" if ok else "签名无效")
    return 0 if ok else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("follow", help="变更流写入 CSV")
    f.add_argument("--url", required=True)
    f.add_argument("--token", default=os.environ.get("SIFASUO_TOKEN"), help="或环境变量 SIFASUO_TOKEN")
    f.add_argument("--entities", default="")
    f.add_argument("--csv", required=True)
    f.add_argument("--state", help="游标文件 (默认: CSV 文件名加 .cursor)")
    f.add_argument("--once", action="store_true", help="读到当前末尾即退出")
    f.add_argument("--interval", type=float, default=5.0)
    v = sub.add_parser("verify", help="校验一次推送的签名")
    v.add_argument("--secret", required=True)
    v.add_argument("--timestamp", required=True)
    v.add_argument("--signature", required=True)
    v.add_argument("--body-file", required=True)
    v.add_argument("--tolerance", type=int, default=300)
    args = p.parse_args()
    if args.cmd == "follow" and not args.token:
        p.error("--token 或 SIFASUO_TOKEN")
    return follow(args) if args.cmd == "follow" else verify(args)


if __name__ == "__main__":
    sys.exit(main())
