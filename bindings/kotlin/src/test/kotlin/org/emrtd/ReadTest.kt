// JUnit 5 tests of the Kotlin bindings against the virtual chip (libemrtd_ffi built with the
// `sim` feature): a Kotlin `suspend` transport forwards every APDU to a VirtualCard, as an
// Android app forwards them to IsoDep.
package org.emrtd

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.emrtd.AccessKey
import uniffi.emrtd.AccessProtocol
import uniffi.emrtd.AsyncNfcTransport
import uniffi.emrtd.CancellationToken
import uniffi.emrtd.EmrtdException
import uniffi.emrtd.NfcException
import uniffi.emrtd.ProgressListener
import uniffi.emrtd.ReadOptions
import uniffi.emrtd.ReadProgress
import uniffi.emrtd.VirtualCard
import uniffi.emrtd.parseMrz
import uniffi.emrtd.readDocument

/** A Kotlin NFC transport over a virtual card; can lose the tag at a given command. */
class SimTransport(
    private val card: VirtualCard,
    private val loseAt: Int? = null,
    private val canReconnect: Boolean = false,
) : AsyncNfcTransport {
    @Volatile var count = 0
    @Volatile var reconnects = 0

    override suspend fun transceive(apdu: ByteArray): ByteArray = withContext(Dispatchers.IO) {
        count += 1
        if (count == loseAt) {
            card.reset() // the chip lost power: its session is gone
            throw NfcException.TagLost()
        }
        card.transceive(apdu)
    }

    override suspend fun reconnect() {
        reconnects += 1
        if (!canReconnect) throw NfcException.TagLost()
        card.reset()
    }
}

class ReadTest {
    @Test
    fun readsTheNorwegianIdCardWithCanThroughAKotlinTransport() = runBlocking {
        val card = VirtualCard("norway-id")
        val transport = SimTransport(card)
        val events = mutableListOf<ReadProgress>()
        val doc = Emrtd.read(transport, AccessKey.fromCan(card.can()!!)) { events.add(it) }

        assertEquals(AccessProtocol.PACE, doc.access().protocol)
        assertEquals("GDC000127", doc.mrz()!!.documentNumber)
        assertTrue(transport.count > 10, "every APDU crossed the Kotlin transport")
        val reading = events.filterIsInstance<ReadProgress.Reading>()
        assertTrue(reading.any { it.done < it.total && it.total > 0uL }, "partial progress of a large file")
        assertTrue(events.filterIsInstance<ReadProgress.FileDone>().any { it.file == "DG1" })
        assertTrue(events.filterIsInstance<ReadProgress.FileDone>().any { it.file == "SOD" })
    }

    @Test
    fun generatedReadDocumentTakesAnObjectListenerAndATokenAsInDocsMobileMd() = runBlocking {
        // The calls of the Kotlin example in docs/mobile.md, with the virtual chip for IsoDep.
        val card = VirtualCard("norway-id")
        val cancelToken = CancellationToken()
        val percents = mutableListOf<Int>()
        val doc = readDocument(SimTransport(card), AccessKey.fromCan("123456"),
            ReadOptions(extendedLength = false),
            object : ProgressListener { override fun onProgress(progress: ReadProgress) {
                if (progress is ReadProgress.Reading) {
                    percents.add((progress.done * 100uL / maxOf(progress.total, 1uL)).toInt())
                }
            } },
            cancelToken)
        assertTrue(percents.all { it in 0..100 }, "percentages: $percents")
        assertTrue(percents.any { it in 1..99 }, "progress inside a file: $percents")
        assertEquals("GDC000127", doc.mrz()!!.documentNumber)
        assertTrue(doc.facePng()!!.size > 8, "the face converted to PNG")
        assertTrue(!cancelToken.isCancelled())
    }

    @Test
    fun readsTheNorwegianPassportWithTheMrz() = runBlocking {
        val card = VirtualCard("norway-passport")
        val doc = Emrtd.read(SimTransport(card), AccessKey.fromMrz(card.mrz()))
        assertEquals(parseMrz(card.mrz()).documentNumber, doc.mrz()!!.documentNumber)
        assertEquals(AccessProtocol.BAC, doc.access().protocol)
    }

    @Test
    fun wrongCanFailsWithWrongAccessKey() = runBlocking {
        val card = VirtualCard("norway-id")
        assertThrows<EmrtdException.WrongAccessKey> {
            runBlocking { Emrtd.read(SimTransport(card), AccessKey.fromCan("654321")) }
        }
        Unit
    }

    @Test
    fun cancelStopsTheReadWithCancelledAtTheNextExchange() = runBlocking {
        val card = VirtualCard("norway-id")
        val transport = SimTransport(card)
        val token = CancellationToken()
        var countAtCancel = -1
        assertThrows<EmrtdException.Cancelled> {
            runBlocking {
                Emrtd.read(transport, AccessKey.fromCan("123456"), cancel = token) {
                    if (it is ReadProgress.Reading && countAtCancel < 0) {
                        countAtCancel = transport.count
                        token.cancel()
                    }
                }
            }
        }
        assertTrue(countAtCancel > 0)
        assertEquals(countAtCancel, transport.count, "no APDU was sent after cancel()")
        assertTrue(token.isCancelled())
    }

    @Test
    fun resumesAfterTheTagWasLostAndCameBack() = runBlocking {
        val card = VirtualCard("norway-id")
        val transport = SimTransport(card, loseAt = 20, canReconnect = true)
        val events = mutableListOf<ReadProgress>()
        val doc = Emrtd.read(transport, AccessKey.fromCan("123456")) { events.add(it) }
        assertEquals("GDC000127", doc.mrz()!!.documentNumber)
        assertEquals(1, transport.reconnects)
        assertTrue(events.any { it is ReadProgress.CardLost })
        assertTrue(events.any { it is ReadProgress.Resumed })
    }

    @Test
    fun lostTagThatDoesNotComeBackFailsWithTagLost() = runBlocking {
        val card = VirtualCard("norway-id")
        val transport = SimTransport(card, loseAt = 20, canReconnect = false)
        assertThrows<EmrtdException.TagLost> {
            runBlocking { Emrtd.read(transport, AccessKey.fromCan("123456")) }
        }
        assertTrue(transport.reconnects >= 1)
    }

    @Test
    fun coroutineCancellationCancelsTheTransportCallUnderWay() = runBlocking {
        val started = CompletableDeferred<Unit>()
        val transportCancelled = CompletableDeferred<Unit>()
        val hanging = object : AsyncNfcTransport {
            override suspend fun transceive(apdu: ByteArray): ByteArray {
                started.complete(Unit)
                try {
                    awaitCancellation()
                } finally {
                    transportCancelled.complete(Unit)
                }
            }
            override suspend fun reconnect() {
                throw NfcException.TagLost()
            }
        }
        val read = async(Dispatchers.Default) { Emrtd.read(hanging, AccessKey.fromCan("123456")) }
        started.await()
        read.cancel()
        assertThrows<CancellationException> { runBlocking { read.await() } }
        withTimeout(5_000) { transportCancelled.await() }
    }
}
