"""Remote verification from Python: the phone side of the bindings against `emrtd serve`.

Each test starts `emrtd serve` (the binary in $EMRTD_BIN, built by bindings/ci.sh) on a free
loopback port with a configuration written to a temporary folder, asks it for a challenge over
HTTP (urllib), reads a virtual card through an asyncio transport written in Python with the
server's proof, posts the evidence and checks the verdict: the genuine chip is proven, a clone
(the genuine files on a chip without the private keys) is refused. A chip that proves itself only
by PACE-CAM runs the server-driven PACE-CAM steps through a `RemoteServer` written in Python
over the same HTTP client. Standard library only.
"""

import asyncio
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

import emrtd

EMRTD_BIN = os.environ.get("EMRTD_BIN")


class Server:
    """`emrtd serve` on 127.0.0.1:0, trusting the virtual documents' TEST CSCA only."""

    def __enter__(self):
        if not EMRTD_BIN or not os.access(EMRTD_BIN, os.X_OK):
            raise RuntimeError("set EMRTD_BIN to the emrtd binary (bindings/ci.sh builds it)")
        self.dir = tempfile.TemporaryDirectory()
        key = os.path.join(self.dir.name, "token.hex")
        with open(key, "w") as f:
            f.write(secrets.token_hex(32))
        config = os.path.join(self.dir.name, "serve.toml")
        with open(config, "w") as f:
            # The virtual card's document expired in June 2026: validity is not the point here.
            f.write(
                'listen = "127.0.0.1:0"\n'
                "[[token_keys]]\n"
                'id = "test"\n'
                'file = "%s"\n'
                "[trust]\n"
                "builtin = false\n"
                "test_csca = true\n"
                "[policy]\n"
                "require_within_validity = false\n" % key
            )
        self.log_path = os.path.join(self.dir.name, "serve.log")
        self.log = open(self.log_path, "w")  # the server's logs (one line per request)
        self.process = subprocess.Popen(
            [EMRTD_BIN, "serve", "--config", config],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            line = ""
        prefix = "listening on "
        if not line.startswith(prefix):
            self.process.kill()
            self.process.wait()
            with open(self.log_path) as f:
                raise RuntimeError("emrtd serve did not start: %r %s" % (line, f.read()))
        self.url = line[len(prefix):].strip()
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.log.close()
        self.dir.cleanup()

    def post_text(self, path, body):
        """POST JSON text; returns (status, answer text), whatever the status."""
        request = urllib.request.Request(
            self.url + path,
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(self, path, body):
        """POST JSON text; returns (status, parsed JSON answer)."""
        status, text = self.post_text(path, body)
        return status, json.loads(text)


class AppServer(emrtd.RemoteServer):
    """The app's side of the PACE-CAM steps: its own HTTP client (urllib, off the event loop)."""

    def __init__(self, server):
        self.server = server
        self.paths = []

    async def post(self, path, body):
        self.paths.append(path)
        try:
            status, text = await asyncio.to_thread(self.server.post_text, path, body)
        except OSError as e:
            raise emrtd.RemoteServerError.Unreachable(str(e))
        return emrtd.ServerAnswer(status=status, body=text)


class Link(emrtd.AsyncNfcTransport):
    """The phone's NFC link (asyncio) to a virtual card."""

    def __init__(self, card):
        self.card = card

    async def transceive(self, apdu):
        await asyncio.sleep(0)  # a real link awaits the radio here
        return self.card.transceive(apdu)

    async def reconnect(self):
        self.card.reset()


# A document whose only chip proof is PACE-CAM (no Chip Authentication in DG14, no AA).
PACE_CAM_ONLY = """
name = "norway-id-cam"
mrz = [
  "CANORGDC0001273230456<12345<<<",
  "5604230M2606118NOR<<<<<<<<<<<9",
  "OESTENBYEN<<AASAMUND<SPECIMEN<",
]
can = "123456"
%s
[access]
bac = false

[[access.pace]]
mapping = "CAM"
cipher = "AES-128"
parameter_id = 13
"""


def phone(server, profile, context="order-4711", card=None, app_server=None):
    """The app's whole phone side; returns (challenge, HTTP status of /v1/verify, verdict).
    With `app_server` it offers PACE-CAM and runs the server's steps through it."""
    card = card or emrtd.VirtualCard(profile)
    link = Link(card)
    key = emrtd.AccessKey.from_can("123456")
    files = asyncio.run(emrtd.read_proof_files(link, key))
    body = emrtd.remote_challenge_request(
        context,
        emrtd.RemoteExpectations(document_number="GDC000127"),
        files,
        pace_cam=app_server is not None,
    )
    status, answer = server.post("/v1/challenge", body)
    assert status == 200, answer
    challenge = emrtd.RemoteChallenge.from_json(json.dumps(answer))
    card.reset()  # the app reconnects the tag for the read with the proof
    read = asyncio.run(
        emrtd.read_for_remote_verification(link, key, challenge, context, server=app_server)
    )
    status, verdict = server.post("/v1/verify", read.evidence_json())
    return challenge, status, verdict


class RemoteVerificationTest(unittest.TestCase):
    def test_a_genuine_chip_is_proven_to_the_server(self):
        with Server() as server:
            challenge, status, verdict = phone(server, "norway-id")
        self.assertEqual(challenge.proof_method(), emrtd.RemoteProofMethod.CHIP_AUTHENTICATION)
        self.assertEqual(status, 200, verdict)
        self.assertTrue(verdict["genuine_chip"], verdict)
        self.assertTrue(verdict["data_authentic"], verdict)
        self.assertTrue(verdict["accepted"], verdict)
        self.assertEqual(verdict["context"], "order-4711")

    def test_a_clone_is_refused_by_the_server(self):
        with Server() as server:
            _, status, verdict = phone(server, "norway-id:clone")
        self.assertEqual(status, 200, verdict)
        self.assertTrue(verdict["data_authentic"], "the clone's files are the genuine ones")
        self.assertFalse(verdict["genuine_chip"], verdict)
        self.assertFalse(verdict["accepted"], verdict)
        self.assertIn("clone", verdict["chip_proof"]["reason"])

    def test_a_pace_cam_only_chip_is_proven_through_the_apps_server_steps_and_its_clone_refused(self):
        with Server() as server:
            steps = AppServer(server)
            genuine = emrtd.VirtualCard.from_profile_toml(PACE_CAM_ONLY % "")
            challenge, status, verdict = phone(server, None, card=genuine, app_server=steps)
            self.assertEqual(challenge.proof_method(), emrtd.RemoteProofMethod.PACE_CAM)
            self.assertEqual(steps.paths, ["/v1/pace/map", "/v1/pace/agree"])
            self.assertEqual(status, 200, verdict)
            self.assertEqual(verdict["chip_proof"]["method"], "pace_cam", verdict)
            self.assertTrue(verdict["genuine_chip"], verdict)
            self.assertTrue(verdict["accepted"], verdict)

            clone = emrtd.VirtualCard.from_profile_toml(PACE_CAM_ONLY % 'attack = "clone"')
            _, status, verdict = phone(server, None, card=clone, app_server=AppServer(server))
            self.assertEqual(status, 200, verdict)
            self.assertEqual(verdict["chip_proof"]["method"], "pace_cam", verdict)
            self.assertEqual(verdict["chip_proof"]["status"], "failed", verdict)
            self.assertTrue(verdict["data_authentic"], verdict)
            self.assertFalse(verdict["genuine_chip"], verdict)
            self.assertFalse(verdict["accepted"], verdict)

    def test_bad_input_is_refused_before_any_http(self):
        with self.assertRaises(emrtd.EmrtdError.InvalidArgument):
            emrtd.remote_challenge_request("", None, None)
        with self.assertRaises(emrtd.EmrtdError.InvalidArgument):
            emrtd.RemoteChallenge.from_json('{"error": "expired"}')
        self.assertIn("clone", emrtd.virtual_card_attacks())


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("python-remote: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or result.testsRun == 0 else 0)
