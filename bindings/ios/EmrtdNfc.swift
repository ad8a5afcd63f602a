// iOS glue for the emrtd bindings: NFCISO7816Tag as the NFC transport, an NFCTagReaderSession,
// the read on a background queue. Add to an app together with the generated emrtd.swift and the
// emrtd xcframework (see docs/mobile.md). The app needs the "Near Field Communication Tag
// Reading" capability (entitlement com.apple.developer.nfc.readersession.formats = TAG), and in
// Info.plist NFCReaderUsageDescription and
// com.apple.developer.nfc.readersession.iso7816.select-identifiers = [A0000002471001].
import CoreNFC
import Foundation

/// The document in the field, as the transport of a read. `transceive` blocks the reading
/// thread until Core NFC answers, so never call `ReadSession.read` on the session's queue.
final class TagTransport: NfcTransport, @unchecked Sendable {
    private let tag: NFCISO7816Tag

    init(tag: NFCISO7816Tag) {
        self.tag = tag
    }

    func transceive(apdu: Data) throws -> Data {
        guard let command = NFCISO7816APDU(data: apdu) else {
            throw NfcError.Io(reason: "Core NFC cannot send this APDU")
        }
        let answer = Answer()
        tag.sendCommand(apdu: command) { data, sw1, sw2, error in
            if let error {
                answer.failure = error
            } else {
                answer.response = data + Data([sw1, sw2])
            }
            answer.done.signal()
        }
        guard answer.done.wait(timeout: .now() + 10) == .success else { throw NfcError.TagLost }
        if let error = answer.failure as? NFCReaderError {
            switch error.code {
            case .readerTransceiveErrorTagConnectionLost, .readerTransceiveErrorTagNotConnected,
                 .readerSessionInvalidationErrorSessionTimeout:
                throw NfcError.TagLost
            default:
                throw NfcError.Io(reason: error.localizedDescription)
            }
        } else if let error = answer.failure {
            throw NfcError.Io(reason: error.localizedDescription)
        }
        return answer.response
    }

    /// Core NFC's answer, handed from its queue to the reading thread (the semaphore orders
    /// the accesses).
    private final class Answer: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var response = Data()
        var failure: Error?
    }

    /// Core NFC cannot wait for the same tag inside a read: the user starts a new scan instead.
    func reconnect() throws {
        throw NfcError.TagLost
    }
}

/// Shows the progress in the system NFC sheet.
final class SheetProgress: ProgressListener, @unchecked Sendable {
    private let nfc: NFCTagReaderSession

    init(_ nfc: NFCTagReaderSession) {
        self.nfc = nfc
    }

    func onProgress(progress: ReadProgress) {
        if case let .reading(file, done, total) = progress {
            nfc.alertMessage = "Reading \(file): \(done * 100 / max(total, 1)) %"
        }
    }
}

/// Reads one document with its CAN and verifies it.
final class DocumentReader: NSObject, NFCTagReaderSessionDelegate {
    private let can: String
    private let trust: TrustStore // add CSCA certificates or a master list: addMasterList(bytes:)
    private let completion: (Result<(Document, Verdict), Error>) -> Void
    private var nfc: NFCTagReaderSession?
    private var reading: ReadSession?

    init(can: String, trust: TrustStore,
         completion: @escaping (Result<(Document, Verdict), Error>) -> Void) {
        self.can = can
        self.trust = trust
        self.completion = completion
    }

    func begin() {
        nfc = NFCTagReaderSession(pollingOption: [.iso14443], delegate: self, queue: nil)
        nfc?.alertMessage = "Hold your iPhone near the document."
        nfc?.begin()
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        reading?.cancel() // a running read ends with EmrtdError.Cancelled
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard let first = tags.first, case let .iso7816(tag) = first else {
            session.invalidate(errorMessage: "This is not a travel document.")
            return
        }
        let reading: ReadSession
        do {
            let key = try AccessKey.fromCan(can: can)
            reading = ReadSession(transport: TagTransport(tag: tag), key: key, options: nil)
        } catch {
            session.invalidate(errorMessage: (error as? EmrtdError)?.message ?? "\(error)")
            return
        }
        self.reading = reading // set and cancelled on the session's queue
        session.connect(to: first) { error in
            if let error {
                session.invalidate(errorMessage: error.localizedDescription)
                return
            }
            // Off the session's queue: transceive waits for answers delivered on it.
            DispatchQueue.global(qos: .userInitiated).async { self.read(reading, session) }
        }
    }

    private func read(_ reading: ReadSession, _ session: NFCTagReaderSession) {
        do {
            let document = try reading.read(listener: SheetProgress(session))
            let verdict = document.verify(trust: trust)
            session.alertMessage = verdict.valid ? "Document verified." : "Document read."
            session.invalidate()
            completion(.success((document, verdict)))
        } catch let error as EmrtdError {
            if case .WrongAccessKey = error {
                // Ask the user for the CAN again.
            }
            session.invalidate(errorMessage: error.message) // every message says what to do
            completion(.failure(error))
        } catch {
            session.invalidate(errorMessage: error.localizedDescription)
            completion(.failure(error))
        }
    }
}

extension EmrtdError {
    /// The text for people (the generated errorDescription also names the case).
    var message: String {
        switch self {
        case .WrongAccessKey(let m), .InvalidCan(let m), .InvalidMrz(let m), .TagLost(let m),
             .Cancelled(let m), .UnsupportedDocument(let m), .Nfc(let m), .Chip(let m),
             .InvalidData(let m), .InvalidCertificate(let m), .Io(let m), .Image(let m),
             .InvalidArgument(let m), .Simulator(let m):
            return m
        }
    }
}
