"""End-to-end test of the Python bindings.

A transport written in Python sits between the Rust reader and the virtual chip: every APDU
(PACE, secure messaging, READ BINARY) crosses the FFI boundary twice, as with a phone's NFC
stack; the blocking `ReadSession` and the asyncio `read_document` are both tested. Run by
bindings/ci.sh against the wheel it builds (maturin, with the `sim` feature) and installs in a
fresh venv; also runs with the generated module on PYTHONPATH
(`bash bindings/generate.sh --sim python`, then `PYTHONPATH=bindings/generated/python`).
Standard library only.
"""

import asyncio
import os
import sys
import tempfile
import threading
import unittest

import emrtd

ID_MRZ = "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PythonTransport(emrtd.NfcTransport):
    """An NFC transport implemented in Python: forwards APDUs to a virtual card and logs them."""

    def __init__(self, card, lose_at=None, can_reconnect=False, raise_at=None, tamper_at=None):
        self.card = card
        self.log = []  # (command, response) pairs
        self.count = 0
        self.lose_at = lose_at
        self.can_reconnect = can_reconnect
        self.raise_at = raise_at
        self.tamper_at = tamper_at
        self.reconnects = 0

    def transceive(self, apdu):
        self.count += 1
        if self.count == self.raise_at:
            raise ValueError("bug in the app's transport")
        if self.count == self.lose_at:
            self.card.reset()  # the chip lost power: its session is gone
            raise emrtd.NfcError.TagLost()
        response = self.card.transceive(apdu)
        if self.count == self.tamper_at:
            response = bytes([response[0] ^ 0x01]) + response[1:]
        self.log.append((bytes(apdu), bytes(response)))
        return response

    def reconnect(self):
        self.reconnects += 1
        if not self.can_reconnect:
            raise emrtd.NfcError.TagLost()
        self.card.reset()


class Recorder(emrtd.ProgressListener):
    def __init__(self):
        self.events = []

    def on_progress(self, progress):
        self.events.append(progress)


def tlv(tag, value):
    """BER-TLV with the tag given as the integer of its encoded bytes (0x5F0E)."""
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return tag_bytes + length + value


DG11 = tlv(
    0x6B,
    tlv(0x5C, bytes.fromhex("5F0E5F105F115F42"))
    + tlv(0x5F0E, b"OESTENBYEN<<AASAMUND SPECIMEN")
    + tlv(0x5F10, b"23045612345")
    + tlv(0x5F11, b"OSLO")
    + tlv(0x5F42, b"STORGATA 1<0150<OSLO"),
)
DG12 = tlv(
    0x6C,
    tlv(0x5C, bytes.fromhex("5F195F26"))
    + tlv(0x5F19, b"POLITIET")
    + tlv(0x5F26, b"20210611"),
)


def id_card_profile(mapping="GM", files=None):
    """TOML profile of the Norwegian ID card with extra files (see docs/profiles.md)."""
    lines = ", ".join('"%s"' % line for line in ID_MRZ.split("\n"))
    text = (
        'name = "python-test"\nmrz = [%s]\ncan = "123456"\n'
        "[access]\nbac = false\n"
        '[[access.pace]]\nmapping = "%s"\ncipher = "AES-128"\nparameter_id = 13\n'
        "[chip]\nmax_read = 2048\nextended_length = true\n[files]\n" % (lines, mapping)
    )
    for name, content in (files or {}).items():
        text += '%s = "%s"\n' % (name, content.hex().upper())
    return text


def trust_store():
    trust = emrtd.TrustStore()
    added = trust.add_der_certificate(emrtd.virtual_card_test_csca())
    assert added.csca == 1
    return trust


def read(card, key=None, options=None, listener=None, **transport_args):
    transport = PythonTransport(card, **transport_args)
    session = emrtd.ReadSession(transport, key or emrtd.AccessKey.from_can("123456"), options)
    return session.read(listener), transport


class MrzTest(unittest.TestCase):
    def test_parse(self):
        mrz = emrtd.parse_mrz(ID_MRZ)
        self.assertEqual(mrz.format, emrtd.MrzFormat.TD1)
        self.assertEqual(mrz.document_number, "GDC000127")
        self.assertEqual(mrz.issuing_state, "NOR")
        self.assertEqual(mrz.primary_identifier, "OESTENBYEN")
        self.assertEqual(mrz.secondary_identifier, "AASAMUND SPECIMEN")
        self.assertEqual((mrz.date_of_birth, mrz.date_of_expiry, mrz.sex), ("560423", "260611", "M"))
        self.assertTrue(mrz.valid)
        self.assertTrue(all(c.valid for c in mrz.checks))

    def test_wrong_check_digit_is_reported_not_raised(self):
        mrz = emrtd.parse_mrz(ID_MRZ.replace("5604230M", "5604231M"))
        self.assertFalse(mrz.valid)
        self.assertIn("date of birth", mrz.check_errors[0])

    def test_errors(self):
        with self.assertRaises(emrtd.EmrtdError.InvalidMrz) as ctx:
            emrtd.parse_mrz("not an mrz")
        self.assertIn("expected 3 lines of 30 characters", str(ctx.exception))
        with self.assertRaises(emrtd.EmrtdError.InvalidMrz):
            emrtd.AccessKey.from_mrz(ID_MRZ.replace("5604230M", "5604231M"))
        with self.assertRaises(emrtd.EmrtdError.InvalidCan) as ctx:
            emrtd.AccessKey.from_can("12 34")
        self.assertIn("6-digit", str(ctx.exception))
        self.assertEqual(emrtd.AccessKey.from_mrz(ID_MRZ).kind(), "MRZ")


class ReadTest(unittest.TestCase):
    def test_pace_read_and_verify_end_to_end(self):
        card = emrtd.VirtualCard()  # default profile: norway-id, CAN 123456
        self.assertEqual(card.can(), "123456")
        recorder = Recorder()
        doc, transport = read(card, listener=recorder)

        # The chip was opened with PACE, through the Python transport.
        access = doc.access()
        self.assertEqual(access.protocol, emrtd.AccessProtocol.PACE)
        self.assertEqual(access.mapping, emrtd.PaceMapping.GM)
        self.assertEqual(access.domain_parameters, "brainpoolP256r1")
        self.assertEqual(access.cipher_suite, emrtd.CipherSuite.AES128)
        self.assertEqual(access.password, emrtd.PasswordKind.CAN)
        commands = [c for c, _ in transport.log]
        self.assertEqual(len(commands), transport.count)
        mse = [i for i, c in enumerate(commands) if c[1] == 0x22 and c[2:4] == b"\xC1\xA4"]
        # PACE's GENERAL AUTHENTICATE commands are plain; Chip Authentication's is protected.
        general_authenticate = [
            i for i, c in enumerate(commands) if c[1] == 0x86 and c[0] & 0x0C == 0
        ]
        self.assertEqual(len(mse), 1)
        self.assertEqual(len(general_authenticate), 4)  # nonce, map, key agreement, tokens
        ca = [c for c in commands if c[1] == 0x86 and c[0] & 0x0C == 0x0C]
        self.assertEqual(len(ca), 1)
        # Every command after PACE is protected by secure messaging (CLA 0C) ...
        after = commands[general_authenticate[-1] + 1 :]
        self.assertGreater(len(after), 5)
        self.assertTrue(all(c[0] & 0x0C == 0x0C for c in after))
        # ... so the personal data never crosses the transport in clear.
        for _, response in transport.log:
            self.assertNotIn(b"GDC000127", response)
            self.assertNotIn(b"OESTENBYEN", response)

        # The decoded document.
        mrz = doc.mrz()
        self.assertEqual(mrz, emrtd.parse_mrz(ID_MRZ))
        faces = doc.faces()
        self.assertEqual(len(faces), 1)
        self.assertEqual(faces[0].format, emrtd.ImageFormat.JPEG)
        self.assertEqual(faces[0].mime_type, "image/jpeg")
        self.assertTrue(faces[0].image.startswith(b"\xFF\xD8\xFF"))
        self.assertTrue(doc.face_png().startswith(PNG_MAGIC))
        self.assertTrue(emrtd.face_to_png(faces[0].image).startswith(PNG_MAGIC))
        self.assertIsNone(doc.personal_details())
        # EF.CardSecurity is read when a check needs it (PACE-CAM); everything else always.
        names = [n for n in doc.file_names() if n != "CardSecurity"]
        self.assertEqual(names, ["CardAccess", "COM", "SOD", "DG1", "DG2", "DG14"])
        self.assertEqual(doc.files()["DG1"], doc.file("DG1"))
        self.assertEqual(doc.resumes(), 0)

        # Progress reports, in order.
        events = recorder.events
        self.assertTrue(events[0].is_opening())
        self.assertTrue(events[1].is_opened())
        self.assertEqual(events[1].access, access)
        done = [e.file for e in events if e.is_file_done()]
        self.assertEqual(done[-5:], ["COM", "DG14", "SOD", "DG1", "DG2"])
        for e in events:
            if e.is_file_done():
                self.assertEqual(e.size, len(doc.file(e.file)))

        # The verdict against the test CSCA.
        verdict = doc.verify(trust_store())
        self.assertEqual(verdict.status, emrtd.VerdictStatus.VALID, verdict.summary)
        self.assertTrue(verdict.valid)
        pa = verdict.passive_authentication
        self.assertTrue(pa.signature_valid)
        self.assertTrue(pa.chain_valid)
        self.assertEqual(
            [(d.data_group, d.status) for d in pa.data_groups],
            [("DG1", emrtd.DataGroupStatus.MATCH), ("DG2", emrtd.DataGroupStatus.MATCH),
             ("DG14", emrtd.DataGroupStatus.MATCH)],
        )
        if verdict.card_security is not None:
            self.assertEqual(verdict.card_security.status, emrtd.VerdictStatus.VALID)
        self.assertEqual(verdict.pace_cam.status, emrtd.CheckStatus.SKIPPED)
        # The chip proved its DG14 key (Chip Authentication, after PACE).
        self.assertEqual(verdict.chip_authentication.status, emrtd.CheckStatus.PASSED,
                         verdict.chip_authentication.reason)
        self.assertEqual(verdict.lds_conformance.status, emrtd.CheckStatus.PASSED,
                         verdict.lds_conformance.reason)
        self.assertIn("Overall: valid", verdict.summary)
        # The specimen's expiry (2026-06-11) is reported, never counted.
        self.assertTrue(verdict.document_validity.informational)
        self.assertIn("2026-06-11", verdict.document_validity.reason)

        # Without the trust anchor nothing fails, but nothing is proven.
        untrusted = doc.verify(emrtd.TrustStore())
        self.assertEqual(untrusted.status, emrtd.VerdictStatus.UNVERIFIED)
        self.assertFalse(untrusted.valid)
        # The built-in Norwegian CSCAs do not sign the virtual document either.
        norway = emrtd.TrustStore()
        self.assertEqual(norway.add_norwegian_cscas().csca, 4)
        self.assertEqual(norway.csca_count(), 4)
        self.assertEqual(doc.verify(norway).status, emrtd.VerdictStatus.UNVERIFIED)

    def test_pace_cam(self):
        card = emrtd.VirtualCard.from_profile_toml(id_card_profile("CAM"))
        doc, _ = read(card)
        self.assertEqual(doc.access().mapping, emrtd.PaceMapping.CAM)
        self.assertTrue(doc.access().chip_authentication_mapping.is_verified())
        self.assertEqual(doc.access().chip_authentication_mapping_text, "passed")
        verdict = doc.verify(trust_store())
        self.assertEqual(verdict.card_security.status, emrtd.VerdictStatus.VALID)
        self.assertEqual(verdict.pace_cam.status, emrtd.CheckStatus.PASSED, verdict.pace_cam.reason)
        self.assertEqual(verdict.status, emrtd.VerdictStatus.VALID, verdict.summary)

    def test_dg11_dg12_and_offline_dump_verification(self):
        card = emrtd.VirtualCard.from_profile_toml(id_card_profile(files={"DG11": DG11, "DG12": DG12}))
        doc, _ = read(card)
        personal = doc.personal_details()
        self.assertEqual(personal.full_name, "OESTENBYEN<<AASAMUND SPECIMEN")
        self.assertEqual(personal.personal_number, "23045612345")
        self.assertEqual(personal.place_of_birth, "OSLO")
        self.assertEqual(personal.address, "STORGATA 1<0150<OSLO")
        self.assertEqual(doc.file("DG11"), DG11)
        details = doc.document_details()
        self.assertEqual(details.issuing_authority, "POLITIET")
        self.assertEqual(details.date_of_issue, "20210611")

        trust = trust_store()
        with tempfile.TemporaryDirectory() as tmp:
            dump = os.path.join(tmp, "dump")
            written = doc.save_dump(dump)
            self.assertEqual(len(written), len(doc.file_names()))
            result = emrtd.verify_dump(dump, trust)
            self.assertEqual(result.status, emrtd.VerdictStatus.VALID, result.passive_authentication.errors)
            self.assertIn("DG12.bin", result.files)
            self.assertEqual(
                [d.data_group for d in result.passive_authentication.data_groups],
                ["DG1", "DG2", "DG11", "DG12"],
            )
            # Change the place of birth: the hash no longer matches EF.SOD.
            path = os.path.join(dump, "DG11.bin")
            with open(path, "rb") as f:
                data = f.read()
            with open(path, "wb") as f:
                f.write(data.replace(b"OSLO", b"BERGEN"[:4]))
            result = emrtd.verify_dump(dump, trust)
            self.assertEqual(result.status, emrtd.VerdictStatus.INVALID)
            statuses = {d.data_group: d.status for d in result.passive_authentication.data_groups}
            self.assertEqual(statuses["DG11"], emrtd.DataGroupStatus.MISMATCH)
            self.assertEqual(statuses["DG1"], emrtd.DataGroupStatus.MATCH)
        with self.assertRaises(emrtd.EmrtdError.Io):
            emrtd.verify_dump(os.path.join(tempfile.gettempdir(), "no-such-emrtd-dump"), trust)

        # The same files held in memory, named without ".bin".
        files = {name: doc.file(name) for name in doc.file_names()}
        result = emrtd.verify_files(files, trust)
        self.assertEqual(result.status, emrtd.VerdictStatus.VALID, result.passive_authentication.errors)
        files["DG11"] = files["DG11"].replace(b"OSLO", b"BERG")
        result = emrtd.verify_files(files, trust)
        self.assertEqual(result.status, emrtd.VerdictStatus.INVALID)
        # Only EF.SOD: nothing compared, never valid.
        result = emrtd.verify_files({"SOD": files["SOD"]}, trust)
        self.assertEqual(result.status, emrtd.VerdictStatus.UNVERIFIED)

    def test_passport_with_bac_and_mrz_key(self):
        card = emrtd.VirtualCard("norway-passport")
        self.assertIsNone(card.can())
        options = emrtd.ReadOptions(files=["DG1"])
        doc, transport = read(card, key=emrtd.AccessKey.from_mrz(card.mrz()), options=options)
        self.assertEqual(doc.access().protocol, emrtd.AccessProtocol.BAC)
        self.assertEqual(doc.access().cipher_suite, emrtd.CipherSuite.TDES)
        self.assertEqual(doc.mrz().format, emrtd.MrzFormat.TD3)
        self.assertEqual(doc.mrz().document_number, "CCC002251")
        self.assertEqual(doc.file_names(), ["COM", "DG1"])
        self.assertTrue(any(c[1] == 0x82 for c, _ in transport.log))  # EXTERNAL AUTHENTICATE

    def test_extended_length(self):
        # The chip offers extended length (EF.ATR/INFO): with a link that carries it, DG2 comes
        # in fewer, larger responses.
        doc, transport = read(emrtd.VirtualCard(), options=emrtd.ReadOptions(extended_length=True))
        short_doc, short_transport = read(emrtd.VirtualCard())
        self.assertEqual(doc.file("DG2"), short_doc.file("DG2"))
        self.assertLess(transport.count, short_transport.count)
        self.assertTrue(any(len(r) > 258 for _, r in transport.log))
        self.assertFalse(any(len(r) > 258 for _, r in short_transport.log))


class FailureTest(unittest.TestCase):
    def test_wrong_can(self):
        with self.assertRaises(emrtd.EmrtdError.WrongAccessKey) as ctx:
            read(emrtd.VirtualCard(), key=emrtd.AccessKey.from_can("654321"))
        self.assertIn("CAN", str(ctx.exception))

    def test_tag_lost_without_reconnect(self):
        card = emrtd.VirtualCard()
        transport = PythonTransport(card, lose_at=12)
        session = emrtd.ReadSession(transport, emrtd.AccessKey.from_can("123456"))
        with self.assertRaises(emrtd.EmrtdError.TagLost) as ctx:
            session.read()
        self.assertIn("hold the phone still", str(ctx.exception))
        self.assertEqual(transport.reconnects, 1)

    def test_tag_lost_then_back_resumes(self):
        recorder = Recorder()
        doc, transport = read(emrtd.VirtualCard(), listener=recorder, lose_at=16, can_reconnect=True)
        self.assertEqual(transport.reconnects, 1)
        self.assertEqual(doc.resumes(), 1)
        lost = [e for e in recorder.events if e.is_card_lost()]
        self.assertEqual([(e.attempt, e.max) for e in lost], [(1, 3)])
        self.assertTrue(any(e.is_resumed() for e in recorder.events))
        self.assertEqual(doc.verify(trust_store()).status, emrtd.VerdictStatus.VALID)

    def test_exception_in_transport_is_an_nfc_error(self):
        with self.assertRaises(emrtd.EmrtdError.Nfc) as ctx:
            read(emrtd.VirtualCard(), raise_at=3)
        self.assertIn("bug in the app's transport", str(ctx.exception))

    def test_altered_secure_messaging_response_is_refused(self):
        # APDU 20 is well after PACE: a flipped bit in the protected answer breaks its MAC.
        with self.assertRaises(emrtd.EmrtdError.Chip) as ctx:
            read(emrtd.VirtualCard(), tamper_at=20)
        self.assertIn("secure messaging", str(ctx.exception))

    def test_unknown_file_and_profile(self):
        with self.assertRaises(emrtd.EmrtdError.InvalidArgument):
            read(emrtd.VirtualCard(), options=emrtd.ReadOptions(files=["DG99"]))
        with self.assertRaises(emrtd.EmrtdError.Simulator):
            emrtd.VirtualCard("atlantis")
        self.assertIn("norway-id", emrtd.virtual_card_profiles())
        with self.assertRaises(emrtd.EmrtdError.InvalidCertificate):
            emrtd.TrustStore().add_der_certificate(b"\x30\x03\x02\x01")
        with self.assertRaises(emrtd.EmrtdError.Image):
            emrtd.face_to_png(b"not an image")


class CancelTest(unittest.TestCase):
    def test_cancel_from_another_thread(self):
        card = emrtd.VirtualCard()
        transport = PythonTransport(card)
        session = emrtd.ReadSession(transport, emrtd.AccessKey.from_can("123456"))
        opened = threading.Event()
        cancelled = threading.Event()
        apdus_at_cancel = []

        class Listener(emrtd.ProgressListener):
            def on_progress(self, progress):
                if progress.is_opened():
                    opened.set()
                    cancelled.wait(30)  # hold the read until the other thread has cancelled

        outcome = []

        def worker():
            try:
                session.read(Listener())
                outcome.append("finished")
            except emrtd.EmrtdError.Cancelled as e:
                outcome.append(e)

        thread = threading.Thread(target=worker)
        thread.start()
        self.assertTrue(opened.wait(60))
        session.cancel()
        apdus_at_cancel.append(transport.count)
        cancelled.set()
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(len(outcome), 1)
        self.assertIsInstance(outcome[0], emrtd.EmrtdError.Cancelled)
        self.assertTrue(session.is_cancelled())
        # Not one APDU after the cancellation.
        self.assertEqual(transport.count, apdus_at_cancel[0])
        with self.assertRaises(emrtd.EmrtdError.Cancelled):
            session.read()


class AsyncPythonTransport(emrtd.AsyncNfcTransport):
    """An async NFC transport (asyncio) in front of a virtual card; can lose the tag once."""

    def __init__(self, card, lose_at=None, can_reconnect=True):
        self.card = card
        self.count = 0
        self.lose_at = lose_at
        self.can_reconnect = can_reconnect
        self.reconnects = 0

    async def transceive(self, apdu):
        self.count += 1
        await asyncio.sleep(0)  # a real link awaits the radio here
        if self.count == self.lose_at:
            self.card.reset()  # the chip lost power: its session is gone
            raise emrtd.NfcError.TagLost()
        return self.card.transceive(apdu)

    async def reconnect(self):
        self.reconnects += 1
        await asyncio.sleep(0)
        if not self.can_reconnect:
            raise emrtd.NfcError.TagLost()
        self.card.reset()


def read_async(transport, key, listener=None, cancel=None):
    return asyncio.run(emrtd.read_document(transport, key, None, listener, cancel))


class AsyncReadTest(unittest.TestCase):
    def test_asyncio_read_of_the_id_card_with_can_reports_progress(self):
        card = emrtd.VirtualCard("norway-id")
        transport = AsyncPythonTransport(card)
        recorder = Recorder()
        doc = read_async(transport, emrtd.AccessKey.from_can(card.can()), recorder)
        self.assertEqual(doc.access().protocol, emrtd.AccessProtocol.PACE)
        self.assertEqual(doc.mrz().document_number, "GDC000127")
        self.assertGreater(transport.count, 10)
        done = [e.file for e in recorder.events if isinstance(e, emrtd.ReadProgress.FILE_DONE)]
        self.assertIn("DG1", done)
        self.assertIn("SOD", done)
        partial = [
            e
            for e in recorder.events
            if isinstance(e, emrtd.ReadProgress.READING) and 0 < e.done < e.total
        ]
        self.assertTrue(partial, "progress inside a large file")

    def test_asyncio_read_of_the_passport_with_the_mrz(self):
        card = emrtd.VirtualCard("norway-passport")
        doc = read_async(AsyncPythonTransport(card), emrtd.AccessKey.from_mrz(card.mrz()))
        self.assertEqual(doc.access().protocol, emrtd.AccessProtocol.BAC)
        self.assertEqual(doc.mrz().document_number, "CCC002251")

    def test_asyncio_read_resumes_after_a_lost_tag(self):
        card = emrtd.VirtualCard()
        transport = AsyncPythonTransport(card, lose_at=20)
        recorder = Recorder()
        doc = read_async(transport, emrtd.AccessKey.from_can("123456"), recorder)
        self.assertEqual(doc.access().protocol, emrtd.AccessProtocol.PACE)
        self.assertEqual(doc.mrz().document_number, "GDC000127")
        self.assertEqual(transport.reconnects, 1)
        self.assertTrue(any(isinstance(e, emrtd.ReadProgress.CARD_LOST) for e in recorder.events))
        self.assertTrue(any(isinstance(e, emrtd.ReadProgress.RESUMED) for e in recorder.events))

    def test_asyncio_lost_tag_that_does_not_come_back_is_tag_lost(self):
        transport = AsyncPythonTransport(emrtd.VirtualCard(), lose_at=20, can_reconnect=False)
        with self.assertRaises(emrtd.EmrtdError.TagLost):
            read_async(transport, emrtd.AccessKey.from_can("123456"))
        self.assertGreaterEqual(transport.reconnects, 1)

    def test_asyncio_wrong_can_is_wrong_access_key(self):
        with self.assertRaises(emrtd.EmrtdError.WrongAccessKey):
            read_async(AsyncPythonTransport(emrtd.VirtualCard()), emrtd.AccessKey.from_can("654321"))

    def test_asyncio_read_cancelled_by_the_token_sends_no_further_apdu(self):
        card = emrtd.VirtualCard()
        token = emrtd.CancellationToken()
        transport = AsyncPythonTransport(card)
        at_cancel = []

        class CancelOnFirstRead(emrtd.ProgressListener):
            def on_progress(self, progress):
                if isinstance(progress, emrtd.ReadProgress.READING) and not at_cancel:
                    at_cancel.append(transport.count)
                    token.cancel()

        with self.assertRaises(emrtd.EmrtdError.Cancelled):
            read_async(transport, emrtd.AccessKey.from_can("123456"), CancelOnFirstRead(), token)
        self.assertTrue(token.is_cancelled())
        self.assertEqual(len(at_cancel), 1)
        self.assertEqual(transport.count, at_cancel[0], "no APDU after cancel()")

    def test_asyncio_task_cancellation_stops_the_read_and_the_transport_call(self):
        started = []
        transport_cancelled = []

        class HangingTransport(emrtd.AsyncNfcTransport):
            async def transceive(self, apdu):
                started.append(apdu)
                try:
                    await asyncio.sleep(3600)  # the card never answers
                except asyncio.CancelledError:
                    transport_cancelled.append(True)
                    raise
                return b"\x90\x00"

            async def reconnect(self):
                raise emrtd.NfcError.TagLost()

        async def main():
            read = asyncio.ensure_future(
                emrtd.read_document(HangingTransport(), emrtd.AccessKey.from_can("123456"))
            )
            while not started:
                await asyncio.sleep(0.01)
            read.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await asyncio.wait_for(read, 5)
            for _ in range(500):  # the transport's task is cancelled soon after
                if transport_cancelled:
                    break
                await asyncio.sleep(0.01)
            self.assertEqual(transport_cancelled, [True], "the transport call was cancelled")

        asyncio.run(main())
        self.assertEqual(len(started), 1)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("python-bindings: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or result.testsRun == 0 else 0)
