// Structured-concurrency glue for the emrtd bindings on iOS: NFCISO7816Tag as an
// AsyncNfcTransport (async/await over Core NFC's completion handler) and a read that follows
// the calling Task's cancellation. Add to an app with the generated emrtd.swift and the emrtd
// xcframework (see docs/mobile.md), with the same entitlement and Info.plist keys as
// EmrtdNfc.swift. Not compiled in this repository's CI (no Swift toolchain there).
import CoreNFC
import Foundation

/// The document in the field as the async transport of `readDocument`.
final class AsyncTagTransport: AsyncNfcTransport, @unchecked Sendable {
    private let tag: NFCISO7816Tag

    init(tag: NFCISO7816Tag) {
        self.tag = tag
    }

    func transceive(apdu: Data) async throws -> Data {
        guard let command = NFCISO7816APDU(data: apdu) else {
            throw NfcError.Io(reason: "Core NFC cannot send this APDU")
        }
        do {
            let (data, sw1, sw2) = try await tag.sendCommand(apdu: command)
            return data + Data([sw1, sw2])
        } catch let error as NFCReaderError {
            switch error.code {
            case .readerTransceiveErrorTagConnectionLost, .readerTransceiveErrorTagNotConnected,
                 .readerSessionInvalidationErrorSessionTimeout:
                throw NfcError.TagLost
            default:
                throw NfcError.Io(reason: error.localizedDescription)
            }
        }
    }

    /// Core NFC cannot wait for the same tag inside a read: the user starts a new scan instead.
    func reconnect() async throws {
        throw NfcError.TagLost
    }
}

/// Calls a closure with each progress report (on the thread that drives the read).
final class ProgressClosure: ProgressListener, @unchecked Sendable {
    private let body: (ReadProgress) -> Void

    init(_ body: @escaping (ReadProgress) -> Void) {
        self.body = body
    }

    func onProgress(progress: ReadProgress) {
        body(progress)
    }
}

/// Read the document; cancelling the calling Task stops the read with `EmrtdError.Cancelled`.
func readDocument(
    tag: NFCISO7816Tag,
    key: AccessKey,
    options: ReadOptions? = nil,
    onProgress: @escaping (ReadProgress) -> Void = { _ in }
) async throws -> Document {
    let token = CancellationToken()
    return try await withTaskCancellationHandler {
        try await readDocument(
            transport: AsyncTagTransport(tag: tag), key: key, options: options,
            listener: ProgressClosure(onProgress), cancel: token)
    } onCancel: {
        token.cancel()
    }
}
