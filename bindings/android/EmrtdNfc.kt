// Android glue for the emrtd bindings: IsoDep as the NFC transport, reader mode, a read on a
// background thread. Copy into an app together with the generated uniffi/emrtd/emrtd.kt and
// the libemrtd_ffi.so libraries (see docs/mobile.md). Needs <uses-permission
// android:name="android.permission.NFC"/> in the manifest and JNA (net.java.dev.jna:jna, @aar).
package org.example.emrtd

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import java.io.IOException
import java.util.concurrent.Executors
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import uniffi.emrtd.AccessKey
import uniffi.emrtd.Document
import uniffi.emrtd.EmrtdException
import uniffi.emrtd.NfcException
import uniffi.emrtd.NfcTransport
import uniffi.emrtd.ProgressListener
import uniffi.emrtd.ReadOptions
import uniffi.emrtd.ReadProgress
import uniffi.emrtd.ReadSession
import uniffi.emrtd.TrustStore
import uniffi.emrtd.Verdict

/** The document on the phone's antenna, as the transport of a read. */
class IsoDepTransport(tag: Tag) : NfcTransport {
    @Volatile private var isoDep: IsoDep = connect(tag)
    private val comeback = LinkedBlockingQueue<Tag>()

    /** Does this phone carry extended-length APDUs? (Pass it in ReadOptions.) */
    val extendedLength: Boolean get() = isoDep.isExtendedLengthApduSupported

    /** Reader mode saw a tag while this transport is in use: the document came back. */
    fun offer(tag: Tag) {
        comeback.offer(tag)
    }

    override fun transceive(apdu: ByteArray): ByteArray =
        try {
            isoDep.transceive(apdu)
        } catch (e: TagLostException) {
            throw NfcException.TagLost()
        } catch (e: IOException) {
            throw NfcException.Io(e.message ?: e.toString())
        }

    override fun reconnect() {
        val tag = comeback.poll(10, TimeUnit.SECONDS) ?: throw NfcException.TagLost()
        isoDep = try {
            connect(tag)
        } catch (e: IOException) {
            throw NfcException.TagLost()
        }
    }

    private fun connect(tag: Tag): IsoDep {
        val dep = IsoDep.get(tag) ?: throw NfcException.Io("not an ISO 14443-4 (IsoDep) tag")
        dep.timeout = 5_000 // PACE key agreement takes the chip a moment
        dep.connect()
        return dep
    }
}

/** Reads a document with its CAN while the activity is in front. */
class ReadDocumentActivity : Activity(), NfcAdapter.ReaderCallback {
    private val worker = Executors.newSingleThreadExecutor()
    private val trust = TrustStore() // add CSCA certificates or a master list: addMasterList(bytes)
    @Volatile private var transport: IsoDepTransport? = null
    @Volatile private var session: ReadSession? = null
    private val can = "123456" // from the UI

    override fun onResume() {
        super.onResume()
        val flags = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or
            NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS
        NfcAdapter.getDefaultAdapter(this)?.enableReaderMode(this, this, flags, null)
    }

    override fun onPause() {
        session?.cancel() // the read ends with EmrtdException.Cancelled
        NfcAdapter.getDefaultAdapter(this)?.disableReaderMode(this)
        super.onPause()
    }

    // Called on a binder thread for every tag that enters the field.
    override fun onTagDiscovered(tag: Tag) {
        transport?.let { it.offer(tag); return } // a read is waiting in reconnect()
        val link: IsoDepTransport
        val reading: ReadSession
        try {
            link = IsoDepTransport(tag)
            val options = ReadOptions(extendedLength = link.extendedLength)
            reading = ReadSession(link, AccessKey.fromCan(can), options)
        } catch (e: Exception) { // NfcException, or EmrtdException.InvalidCan
            return show(e.message ?: e.toString())
        }
        transport = link
        session = reading
        worker.execute {
            try {
                val document = reading.read(object : ProgressListener {
                    override fun onProgress(progress: ReadProgress) {
                        if (progress is ReadProgress.Reading) {
                            val percent = progress.done * 100uL / maxOf(progress.total, 1uL)
                            show("Reading ${progress.file}: $percent %")
                        }
                    }
                })
                showDocument(document, document.verify(trust))
            } catch (e: EmrtdException.WrongAccessKey) {
                show("The CAN does not match this document")
            } catch (e: EmrtdException) {
                show(e.message ?: e.toString()) // every message says what to do
            } finally {
                transport = null
                session = null
            }
        }
    }

    private fun showDocument(document: Document, verdict: Verdict) {
        val mrz = document.mrz()
        val face = document.faces().firstOrNull()
        // JPEG faces decode with BitmapFactory; JPEG 2000 ones with document.facePng().
        show("${mrz?.primaryIdentifier}, ${mrz?.secondaryIdentifier}: ${verdict.status} (face: ${face?.mimeType})")
    }

    private fun show(text: String) = runOnUiThread { title = text }
}
