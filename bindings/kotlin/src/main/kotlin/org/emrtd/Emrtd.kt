// Idiomatic Kotlin over the generated bindings (uniffi.emrtd): a read with a lambda for
// progress. Coroutine cancellation of the caller stops the read (the Rust future is dropped and
// the transport call under way is cancelled); `cancel` stops it with EmrtdException.Cancelled.
package org.emrtd

import uniffi.emrtd.AccessKey
import uniffi.emrtd.AsyncNfcTransport
import uniffi.emrtd.CancellationToken
import uniffi.emrtd.Document
import uniffi.emrtd.ProgressListener
import uniffi.emrtd.ReadOptions
import uniffi.emrtd.ReadProgress
import uniffi.emrtd.readDocument

object Emrtd {
    /**
     * Read the document over [transport] with [key]. [onProgress] runs on the thread that
     * drives the read: post to the UI thread from it, and do not throw.
     */
    suspend fun read(
        transport: AsyncNfcTransport,
        key: AccessKey,
        options: ReadOptions? = null,
        cancel: CancellationToken? = null,
        onProgress: (ReadProgress) -> Unit = {},
    ): Document {
        val report = onProgress
        val listener = object : ProgressListener {
            override fun onProgress(progress: ReadProgress) = report(progress)
        }
        return readDocument(transport, key, options, listener, cancel)
    }
}
