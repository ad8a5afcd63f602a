#!/usr/bin/env bash
# Seed the fuzz corpora from fixtures/: writes fuzz/corpus/<target>/<sha1> files (the corpus
# folder is git-ignored; CI regenerates it). Existing corpus files are kept, so this can run on
# top of a corpus grown by earlier campaigns. Needs python3 (standard library only).
#
# Usage: bash fuzz/seed.sh            (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 - "$here" <<'PY'
import base64, hashlib, json, os, re, sys
from pathlib import Path

fuzz = Path(sys.argv[1])
root = fuzz.parent
fx = root / "fixtures"
corpus = fuzz / "corpus"
counts = {}


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    p = d / hashlib.sha1(data).hexdigest()
    if not p.exists():
        p.write_bytes(data)
        counts[target] = counts.get(target, 0) + 1


def chunk(data):
    """The length-prefixed chunk format of fuzz/src/lib.rs (Input::chunk)."""
    data = data[:0x7FFF]
    if len(data) < 0x80:
        return bytes([len(data)]) + data
    return bytes([0x80 | (len(data) >> 8), len(data) & 0xFF]) + data


def chunks(items):
    return b"".join(chunk(x) for x in items)


def h(s):
    return bytes.fromhex(s)


def files(pattern):
    return sorted(p for p in fx.glob(pattern) if p.is_file())


def load(p):
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def walk(v, key=""):
    """Yield (key, value) for every scalar or list in a JSON document."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield from walk(x, k)
    elif isinstance(v, list):
        yield key, v
        for x in v:
            yield from walk(x, key)
    else:
        yield key, v


HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")
MRZ_LINE = re.compile(r"^[A-Z0-9<]{30,44}$")
jsons = files("**/*.json")

# --- mrz: zones (lists of lines), single lines, MRZ information strings -------------------
for p in jsons:
    for key, v in walk(load(p)):
        if isinstance(v, list) and v and all(isinstance(x, str) and MRZ_LINE.match(x) for x in v):
            put("mrz", "\n".join(v))
            put("mrz", "".join(v))
        elif isinstance(v, str) and (MRZ_LINE.match(v) or key in ("mrz_information", "input")):
            put("mrz", v)
put("mrz", "01129955131")  # syntactically valid Norwegian fødselsnummer (test number)
put("mrz", "P<NOROESTENBYEN<<AASAMUND<SPECIMEN<<<<<<<<<<\nCCC0022514NOR5604230M3004157<<<<<<<<<<<<<<04")

# --- APDUs from the vectors ----------------------------------------------------------------
commands, responses = [], []
for p in files("vectors/*.json"):
    for key, v in walk(load(p)):
        if not isinstance(v, str) or not HEX.match(v):
            continue
        k = key.lower()
        if "command" in k or k in ("apdu", "capdu"):
            commands.append(h(v))
        elif "response" in k or k in ("rapdu", "smrapdu"):
            responses.append(h(v))
for x in commands + responses:
    put("apdu", x)

# --- tlv: every binary LDS / SOD / SecurityInfos fixture ----------------------------------
bins = files("lds/**/*.bin") + files("sod/**/*.bin") + files("security_infos/*.bin")
for p in bins + files("lds/**/*.dat"):
    put("tlv", p.read_bytes())

# --- sm_unprotect ---------------------------------------------------------------------------
ssc = bytes(16)
sm_responses = [r for r in responses if r[:1] in (b"\x85", b"\x87", b"\x99")]
sm_commands = [c for c in commands if len(c) > 4 and c[0] & 0x0C == 0x0C]
plain_commands = [c for c in commands if len(c) >= 4 and c[0] & 0x0C == 0]
for cipher in range(4):
    for r in sm_responses:
        put("sm_unprotect", bytes([cipher]) + ssc + chunk(r))
    for c in sm_commands:
        put("sm_unprotect", bytes([cipher | 4]) + ssc + chunk(c))
    pairs = []
    for c in plain_commands[:12]:
        pairs += [c, b"\x60\x14\x5f\x01\x04\x30\x31\x30\x36\x90\x00"]
    put("sm_unprotect", bytes([cipher | 8]) + bytes([0xFF] * 16) + chunks(pairs))

# --- bac_response: ICAO 9303-11 Appendix D ----------------------------------------------
bac = load(fx / "vectors/icao9303-11_appD_bac_sm_3des.json")
d3 = bac["D3_bac_mutual_authentication"]
blob = json.dumps(d3)
ch = h(d3["get_challenge"]["response"])
ea = [h(v) for k, v in walk(d3) if isinstance(v, str) and HEX.match(v) and len(v) >= 80]
for r in ea:
    put("bac_response", b"\x00" + chunks([ch, r]))
    put("bac_response", b"\x02" + chunks([r]))
put("bac_response", b"\x31" + ch[:8] + bytes(32))
put("bac_response", b"\x03" + bytes(32))
put("bac_response", b"\x13" + bytes(32))

# --- sim_chip: typical reader commands ---------------------------------------------------
select_aid = h("00A4040C07A0000002471001")
reads = [h("00B09E0008"), h("00B0000000"), h("00A4020C02011E"), h("00B0000004"),
         h("00B0810000"), h("00B1000004540200FF00"), h("00B09D00E7"), h("00A4020C020101")]
put("sim_chip", b"\x00" + chunks([h("00A4020C02011C"), h("00B0000000"), select_aid, h("0084000008")]))
put("sim_chip", b"\x01" + chunks([h("00A4020C02011C"), h("00B09C0000"),
                                   h("0022C1A40F800A04007F00070202040202830102"), h("10860000027C0000")]))
for mode in (2, 3):
    put("sim_chip", bytes([mode]) + chunks([select_aid] + reads))

# --- read_session: scripted chip answers --------------------------------------------------
OK = h("9000")
NF = h("6A82")


def blocks(content, size):
    out = [content[i:i + size] + OK for i in range(0, len(content), size)]
    return out or [OK]


com = (fx / "lds/bsi2008/EF_COM.bin").read_bytes()
dg1 = (fx / "lds/bsi2008/Datagroup1.bin").read_bytes()
sod = (fx / "lds/bsi2008/EF_SOD.bin").read_bytes()
dg2 = (fx / "lds/bsi2008/Datagroup2.bin").read_bytes()
card_access = (fx / "security_infos/ef_cardaccess_new_testcard.bin").read_bytes()
# read_document, BAC (no EF.CardAccess): challenge, (unverifiable) EXTERNAL AUTHENTICATE answer.
put("read_session", b"\x00" + chunks([NF, ch] + ea[:1]))
# read_document with an EF.CardAccess that offers PACE.
put("read_session", b"\x00" + chunks(blocks(card_access, 256) + [OK, h("7C12801095A3A016522EE98D01E76CB6B98B42C39000")]))
# Plain Session::read_file of EF.COM and DG1 (mode 1), with and without a fixed block size.
put("read_session", b"\x08" + bytes([2, 3, 5]) + chunks([OK] + blocks(com, 256) + blocks(dg1, 256)))
put("read_session", b"\x28\x1c" + bytes([3, 3, 4, 6]) + chunks([OK] + blocks(com, 225) + blocks(sod, 225) + blocks(dg2, 225)))
put("read_session", b"\x09" + bytes([1, 4]) + chunks([OK, h("6700"), h("6C10")] + blocks(sod, 256)))
put("read_session", b"\x10" + bytes([1, 3]) + chunks([NF, ch] + ea[:1]))

# --- read_session_sm: tamper mode and hostile chip --------------------------------------
for flags in (0, 2, 4, 6):
    put("read_session_sm", bytes([flags, 0]))
    put("read_session_sm", bytes([flags, 0]) + bytes([0, 0, 3, 0, 40, 0, 0, 4, 0, 20]))
hostile = [OK] + blocks(com, 231) + blocks(sod, 231) + blocks(dg1, 231) + blocks(dg2, 231)
for flags in (1, 3, 5):
    put("read_session_sm", bytes([flags, 3]) + chunks(hostile))

# --- lds: each file with its decoder selector --------------------------------------------
def lds_selector(p, data):
    name = p.name
    m = re.search(r"Datagroup(\d+)|DG(\d+)", name)
    if name.startswith("EF_COM") or name.lower() == "ef011e.bin":
        return 0
    if "SOD" in name.upper() or name.lower() == "ef011d.bin":
        return 17
    m2 = re.match(r"ef01(0[1-9a-f]|10)\.bin", name.lower())
    if m2:
        return int(m2.group(1), 16)
    if m:
        return int(m.group(1) or m.group(2))
    if name.startswith("dg15"):
        return 15
    return 23


for p in files("lds/**/*.bin") + files("sod/**/*.bin"):
    data = p.read_bytes()
    put("lds", bytes([lds_selector(p, data)]) + data)
    put("lds", bytes([23]) + data)
for p in files("lds/gmrtd_lds_testdata/*"):
    data = p.read_bytes()
    sel = 20 if p.name.startswith("ISO19794") else 21
    put("lds", bytes([sel]) + data)
    put("lds", bytes([2]) + data)
for p in files("lds/*.json"):
    for key, v in walk(load(p)):
        if isinstance(v, str) and HEX.match(v) and len(v) >= 8:
            put("lds", b"\x17" + h(v))
for p in files("keys/*.spki.der"):
    put("lds", b"\x16" + p.read_bytes())

# --- sod ------------------------------------------------------------------------------------
for p in files("sod/**/*.bin") + files("lds/**/*.bin") + files("security_infos/*.bin"):
    data = p.read_bytes()
    if "SOD" in p.name.upper() or "CardSecurity" in p.name or p.name.lower() in ("ef011d.bin",) \
            or "cardsecurity" in p.name.lower():
        put("sod", b"\x01" + data)
        put("sod", b"\x00" + data)

# --- card_access ------------------------------------------------------------------------------
for p in files("security_infos/*.bin") + files("lds/**/*.bin"):
    n = p.name.lower()
    data = p.read_bytes()
    if "cardaccess" in n:
        put("card_access", b"\x00" + data)
    elif "dg14" in n or "datagroup14" in n:
        put("card_access", b"\x01" + data)
    elif "cardsecurity" in n:
        put("card_access", b"\x02" + data)
for p in jsons:
    for key, v in walk(load(p)):
        if isinstance(v, str) and HEX.match(v):
            if key == "ef_cardaccess":
                put("card_access", b"\x00" + h(v))
            elif key == "dg14":
                put("card_access", b"\x01" + h(v))
            elif key == "ef_cardsecurity":
                put("card_access", b"\x02" + h(v))

# --- x509_ml_ldif ------------------------------------------------------------------------
certs = files("trust/**/*.cer") + files("sod/**/*.cer")
for p in certs:
    put("x509_ml_ldif", b"\x00" + p.read_bytes())
for p in files("sod/**/*.crl"):
    put("x509_ml_ldif", b"\x01" + p.read_bytes())
    put("x509_ml_ldif", b"\x07" + p.read_bytes())
for p in files("trust/*.ml") + files("trust/*.mls"):
    put("x509_ml_ldif", b"\x02" + p.read_bytes()[:65535])
for p in certs[:3]:
    b64 = base64.b64encode(p.read_bytes()).decode()
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) \
        + "\n-----END CERTIFICATE-----\n"
    put("x509_ml_ldif", "\x03" + pem)
    ldif = "dn: cn=test,o=csca\nobjectClass: inetOrgPerson\nuserCertificate;binary:: " \
        + b64[:70] + "\n " + "\n ".join(b64[i:i + 76] for i in range(70, len(b64), 76)) + "\n\n"
    put("x509_ml_ldif", "\x04" + ldif)
for p in files("keys/*.spki.der"):
    put("x509_ml_ldif", b"\x05" + p.read_bytes())
put("x509_ml_ldif", b"\x06" + b"\x17\x0d" + b"170101000000Z")
put("x509_ml_ldif", b"\x06" + b"\x18\x0f" + b"20500101000000Z")

# --- pace_responses: the worked examples' APDUs -------------------------------------------
pace = ["icao9303-11_appG1_pace_ecdh_gm.json", "icao9303-11_appG2_pace_dh_gm.json",
        "icao9303-11_appH1_pace_ecdh_im.json", "icao9303-11_appH2_pace_dh_im.json",
        "icao9303-11_appI_pace_cam.json"]
for i, name in enumerate(pace):
    v = load(fx / "vectors" / name)
    apdus = v.get("apdus", [])
    put("pace_responses", bytes([i]) + chunks([h(a["response"]) for a in apdus]))
    put("pace_responses", bytes([0x80 | i]) + chunks([h(a["command"]) for a in apdus]))

# --- ca_responses -------------------------------------------------------------------------
traces = load(fx / "vectors/gmrtd_real_session_traces.json")["sessions"]
n_traces = len([s for s in traces.values() if "dg14" in s and s.get("terminal_ec_keypairs")])
for s in traces.values():
    if "dg14" in s:
        put("ca_responses", b"\x00" + chunks([h(s["dg14"]), OK, h("7C00") + OK, OK]))
for i in range(n_traces):
    put("ca_responses", bytes([1, i]) + chunks([OK, h("7C00") + OK, h("990290008E080000000000000000") + OK]))
    put("ca_responses", bytes([1, i]) + chunks([OK, OK]))
de = traces.get("TestChipAuthDE", {})
pub = de.get("expected_evidence", {}).get("TermPubKey")
if pub:
    mse = h("002241A40F800A04007F00070202030202840101")
    ga = bytes([0x00, 0x86, 0x00, 0x00, len(h(pub)) + 4, 0x7C, len(h(pub)) + 2, 0x80, len(h(pub))]) + h(pub) + b"\x00"
    put("ca_responses", b"\x02" + chunks([mse, ga]))

# --- aa_verify: OpenSSL ECDSA signatures over a fixed challenge ---------------------------
sigs = load(fx / "keys/openssl_ecdsa_aa_signatures.json")
chal = h(sigs["challenge"])
key_index = {"aa_ec_p256.pk8.der": 1, "aa_ec_brainpoolp256r1.pk8.der": 2,
             "aa_ec_brainpoolp256r1_explicit.pk8.der": 3}
hash_index = {"SHA-1": 0, "SHA-224": 1, "SHA-256": 2, "SHA-384": 3, "SHA-512": 4}
for s in sigs["signatures"]:
    k = key_index.get(s["key"])
    if k is None:
        continue
    mode = k | 0x10 | (hash_index.get(s["hash"], 5) << 5)
    put("aa_verify", bytes([mode]) + chal + h(s["der"]))
    put("aa_verify", bytes([k]) + chal + h(s["der"]))
aa = load(fx / "vectors/icao9303-11_active_authentication_example.json")
put("aa_verify", b"\x04" + h(aa["rnd_ifd_m2"]) + h(aa["f"]))
put("aa_verify", b"\x00" + bytes(8) + bytes(256))

# --- face_image: JPEG faces, and JPEG 2000 images found inside the DG2 fixtures --------------
for p in files("lds/**/*.jpg") + [root / "crates/emrtd-sim/profiles/specimen-face.jpg"]:
    if p.is_file():
        put("face_image", p.read_bytes())
for p in files("lds/**/*.bin") + files("lds/**/*.dat"):
    data = p.read_bytes()
    for magic in (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51", b"\xff\xd8\xff"):
        i = data.find(magic)
        if i >= 0:
            put("face_image", data[i:])

# --- dg2_face: whole DG2 files (tag 75) of the fixtures and of the virtual chip's specimen ------
for p in files("lds/**/*.bin") + files("lds/**/*.dat"):
    data = p.read_bytes()
    if data[:1] == b"\x75":
        put("dg2_face", data)

# --- cv_certificate: CV certificates and requests of the BSI EAC worked example -------------
for p in files("eac/*.bin"):
    put("cv_certificate", p.read_bytes())
eac = load(fx / "vectors/bsi_tr03110_eac_worked_example_openpace.json")
for k, v in eac.get("cv_certificates", {}).items():
    if not k.endswith("_desc"):
        put("cv_certificate", h(v))

# --- finger_iris: DG3/DG4 and their first records, selector byte first --------------------
for name, sel, magic in (("Datagroup3.bin", 0, b"FIR\0"), ("Datagroup4.bin", 1, b"IIR\0")):
    for p in files("lds/**/" + name):
        data = p.read_bytes()
        put("finger_iris", bytes([sel]) + data)
        i = data.find(magic)
        if i >= 0:
            width = 6 if sel == 0 else 4
            n = int.from_bytes(data[i + 8:i + 8 + width], "big")
            put("finger_iris", bytes([sel + 2]) + data[i:i + n])

# --- regressions: inputs that once crashed a target (fuzz/regressions/<target>/*) -------------
for d in sorted((fuzz / "regressions").glob("*")):
    if d.is_dir():
        for p in sorted(d.iterdir()):
            if p.is_file():
                put(d.name, p.read_bytes())

total = sum(counts.values())
print("seeded %d new corpus files: %s" % (total, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
PY
