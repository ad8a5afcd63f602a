"""Tests of the wheel as it ships: release profile, built WITHOUT the virtual chip.

The end-to-end read tests (test_emrtd.py) need the virtual chip, which a shipped wheel must not
contain; this file checks what a shipped wheel does hold and that it works with optimized code:
no virtual chip and no TEST CSCA in it, MRZ parsing and access-key checks, JPEG and JPEG 2000
faces to PNG, and Passive Authentication of a real (expired) UK passport's EF.SOD, DG1 and DG2
against its CSCA, from memory and from a dump folder. The data comes from the repository's
fixtures/ (see fixtures/README.md). Run by bindings/python/release-test.sh against the wheel
installed in a fresh venv. Standard library only.
"""

import os
import sys
import tempfile
import unittest

import emrtd

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures")
ID_MRZ = "CANORGDC0001273230456<12345<<<\n5604230M2606118NOR<<<<<<<<<<<9\nOESTENBYEN<<AASAMUND<SPECIMEN<"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fixture(*path):
    with open(os.path.join(FIXTURES, *path), "rb") as f:
        return f.read()


def uk_files(dg2="UK_imported_DG2.bin"):
    return {
        "SOD": fixture("sod", "gmrtd", "UK_imported_EF.SOD.bin"),
        "DG1": fixture("sod", "gmrtd", "UK_imported_DG1.bin"),
        "DG2": fixture("sod", "gmrtd", dg2),
    }


def uk_trust():
    trust = emrtd.TrustStore()
    added = trust.add_der_certificate(fixture("sod", "gmrtd", "UK_imported_CSCA.cer"))
    assert added.csca == 1, added
    return trust


def dg_statuses(result):
    return [(d.data_group, d.status) for d in result.passive_authentication.data_groups]


class ShippedContentTest(unittest.TestCase):
    def test_no_virtual_chip_and_no_test_csca_in_the_shipped_wheel(self):
        for name in ("VirtualCard", "virtual_card_test_csca", "virtual_card_profiles"):
            self.assertFalse(hasattr(emrtd, name), "%s must not ship in a release wheel" % name)

    def test_the_api_a_phone_app_uses_is_there(self):
        for name in ("read_document", "ReadSession", "AccessKey", "TrustStore", "verify_dump",
                     "verify_files", "parse_mrz", "face_to_png", "CancellationToken"):
            self.assertTrue(hasattr(emrtd, name), name)


class KeysAndMrzTest(unittest.TestCase):
    def test_parse_mrz_of_the_norwegian_id_card_specimen(self):
        mrz = emrtd.parse_mrz(ID_MRZ)
        self.assertEqual(mrz.format, emrtd.MrzFormat.TD1)
        self.assertEqual((mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry),
                         ("GDC000127", "560423", "260611"))
        self.assertTrue(mrz.valid)

    def test_access_keys_are_checked_when_made(self):
        self.assertEqual(emrtd.AccessKey.from_can("123456").kind(), "CAN")
        self.assertEqual(emrtd.AccessKey.from_mrz(ID_MRZ).kind(), "MRZ")
        with self.assertRaises(emrtd.EmrtdError.InvalidCan):
            emrtd.AccessKey.from_can("12345a")
        with self.assertRaises(emrtd.EmrtdError.InvalidMrz):
            emrtd.AccessKey.from_mrz(ID_MRZ.replace("5604230M", "5604231M"))


class ImagesTest(unittest.TestCase):
    def test_jpeg_and_jpeg2000_faces_convert_to_png(self):
        for name in ("ISO19794_Test1_Face.jpg", "ICAO_39794_5_AP_DG2_Face.jpg"):  # JPEG, JP2
            png = emrtd.face_to_png(fixture("lds", "gmrtd_lds_testdata", name))
            self.assertTrue(png.startswith(PNG_MAGIC), name)

    def test_bytes_that_are_no_image_are_an_image_error(self):
        with self.assertRaises(emrtd.EmrtdError.Image):
            emrtd.face_to_png(b"\xff\xd8\xff" + b"\x00" * 64)


class PassiveAuthenticationTest(unittest.TestCase):
    def test_real_uk_passport_is_valid_with_its_csca(self):
        result = emrtd.verify_files(uk_files(), uk_trust())
        pa = result.passive_authentication
        self.assertEqual(result.status, emrtd.VerdictStatus.VALID, pa.errors)
        self.assertTrue(result.valid)
        self.assertEqual((pa.signature_valid, pa.chain_valid), (True, True))
        self.assertEqual(dg_statuses(result), [("DG1", emrtd.DataGroupStatus.MATCH),
                                               ("DG2", emrtd.DataGroupStatus.MATCH)])

    def test_a_changed_byte_in_dg2_is_a_mismatch_and_invalid(self):
        result = emrtd.verify_files(uk_files("UK_imported_DG2_corrupted_lastbyte.bin"), uk_trust())
        self.assertEqual(result.status, emrtd.VerdictStatus.INVALID)
        self.assertFalse(result.valid)
        self.assertEqual(dg_statuses(result), [("DG1", emrtd.DataGroupStatus.MATCH),
                                               ("DG2", emrtd.DataGroupStatus.MISMATCH)])

    def test_without_its_csca_the_document_is_unverified_never_valid(self):
        result = emrtd.verify_files(uk_files(), emrtd.TrustStore())
        self.assertEqual(result.status, emrtd.VerdictStatus.UNVERIFIED)
        self.assertFalse(result.valid)

    def test_a_dump_folder_verifies_like_the_files_in_memory(self):
        with tempfile.TemporaryDirectory() as dump:
            for name, data in uk_files().items():
                with open(os.path.join(dump, name + ".bin"), "wb") as f:
                    f.write(data)
            result = emrtd.verify_dump(dump, uk_trust())
        self.assertEqual(result.status, emrtd.VerdictStatus.VALID, result.passive_authentication.errors)
        self.assertEqual(sorted(result.files), ["DG1.bin", "DG2.bin", "SOD.bin"])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("python-release-wheel: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or result.skipped or result.testsRun == 0 else 0)
