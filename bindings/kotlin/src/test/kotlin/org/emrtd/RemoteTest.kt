// Remote verification from Kotlin: the phone side of the bindings against `emrtd serve`.
// Each test starts `emrtd serve` ($EMRTD_BIN, built by bindings/ci.sh) on a free loopback port,
// asks it for a challenge over HTTP (java.net.http), reads a virtual card through a Kotlin
// `suspend` transport with the server's proof, posts the evidence and checks the verdict: the
// genuine chip is proven, a clone (the genuine files, no private keys) is refused. A chip that
// proves itself only by PACE-CAM runs the server's PACE-CAM steps through a Kotlin RemoteServer
// over the same HTTP client.
package org.emrtd

import java.io.BufferedReader
import java.io.IOException
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.emrtd.AccessKey
import uniffi.emrtd.EmrtdException
import uniffi.emrtd.RemoteChallenge
import uniffi.emrtd.RemoteExpectations
import uniffi.emrtd.RemoteProofMethod
import uniffi.emrtd.RemoteServer
import uniffi.emrtd.RemoteServerException
import uniffi.emrtd.ServerAnswer
import uniffi.emrtd.VirtualCard
import uniffi.emrtd.readForRemoteVerification
import uniffi.emrtd.readProofFiles
import uniffi.emrtd.remoteChallengeRequest

/** `emrtd serve` on 127.0.0.1:0 with a fresh token key, trusting the TEST CSCA only. */
class Serve : AutoCloseable {
    private val dir: Path = Files.createTempDirectory("emrtd-serve")
    private val process: Process
    val url: String
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()

    init {
        val bin = System.getenv("EMRTD_BIN")
            ?: error("set EMRTD_BIN to the emrtd binary (bindings/ci.sh builds it)")
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val keyFile = dir.resolve("token.hex")
        Files.writeString(keyFile, key.joinToString("") { "%02x".format(it) })
        val config = dir.resolve("serve.toml")
        // The virtual card's document expired in June 2026: validity is not the point here.
        Files.writeString(
            config,
            """
            listen = "127.0.0.1:0"
            [[token_keys]]
            id = "test"
            file = "$keyFile"
            [trust]
            builtin = false
            test_csca = true
            [policy]
            require_within_validity = false
            """.trimIndent() + "\n",
        )
        process = ProcessBuilder(bin, "serve", "--config", config.toString())
            .redirectError(dir.resolve("serve.log").toFile())
            .start()
        val stdout = BufferedReader(InputStreamReader(process.inputStream))
        val line = try {
            CompletableFuture.supplyAsync { stdout.readLine() }.get(30, TimeUnit.SECONDS)
        } catch (e: Exception) {
            null
        }
        if (line == null || !line.startsWith("listening on ")) {
            process.destroyForcibly()
            error("emrtd serve did not start: $line ${Files.readString(dir.resolve("serve.log"))}")
        }
        url = line.removePrefix("listening on ").trim()
    }

    /** POST JSON; returns the status and the body. */
    fun post(path: String, body: String): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build()
        val answer = http.send(request, HttpResponse.BodyHandlers.ofString())
        return answer.statusCode() to answer.body()
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        dir.toFile().deleteRecursively()
    }
}

/** The app's side of the PACE-CAM steps: its own HTTP client, off the caller's thread. */
class AppServer(private val serve: Serve) : RemoteServer {
    val paths = mutableListOf<String>()

    override suspend fun post(path: String, body: String): ServerAnswer = withContext(Dispatchers.IO) {
        paths.add(path)
        val (status, text) = try {
            serve.post(path, body)
        } catch (e: IOException) {
            throw RemoteServerException.Unreachable(e.message ?: e.toString())
        }
        ServerAnswer(status.toUShort(), text)
    }
}

/** A document whose only chip proof is PACE-CAM (no Chip Authentication in DG14, no AA). */
fun paceCamOnly(attack: String = "") = """
    name = "norway-id-cam"
    mrz = [
      "CANORGDC0001273230456<12345<<<",
      "5604230M2606118NOR<<<<<<<<<<<9",
      "OESTENBYEN<<AASAMUND<SPECIMEN<",
    ]
    can = "123456"
    $attack
    [access]
    bac = false
    [[access.pace]]
    mapping = "CAM"
    cipher = "AES-128"
    parameter_id = 13
""".trimIndent() + "\n"

/** A top-level boolean field of a JSON object (the verdict's flags). */
fun flag(json: String, name: String): Boolean? =
    Regex("\"$name\"\\s*:\\s*(true|false)").find(json)?.groupValues?.get(1)?.toBoolean()

class RemoteTest {
    /**
     * The app's phone side; returns the challenge and the answer of /v1/verify. With [server]
     * it offers PACE-CAM and runs the server's steps through it.
     */
    private fun phone(
        serve: Serve,
        card: VirtualCard,
        server: RemoteServer? = null,
    ): Pair<RemoteChallenge, Pair<Int, String>> = runBlocking {
        val context = "order-4711"
        val transport = SimTransport(card, canReconnect = true)
        val key = AccessKey.fromCan("123456")
        val files = readProofFiles(transport, key)
        val body = remoteChallengeRequest(context, RemoteExpectations(documentNumber = "GDC000127"), files,
            paceCam = server != null)
        val (status, answer) = serve.post("/v1/challenge", body)
        assertEquals(200, status, answer)
        val challenge = RemoteChallenge.fromJson(answer)
        card.reset() // the app reconnects the tag for the read with the proof
        val read = readForRemoteVerification(transport, key, challenge, context, server = server)
        challenge to serve.post("/v1/verify", read.evidenceJson())
    }

    private fun phone(serve: Serve, profile: String) = phone(serve, VirtualCard(profile))

    @Test
    fun aGenuineChipIsProvenToTheServer() {
        Serve().use { serve ->
            val (challenge, answer) = phone(serve, "norway-id")
            val (status, verdict) = answer
            assertEquals(RemoteProofMethod.CHIP_AUTHENTICATION, challenge.proofMethod())
            assertEquals(200, status, verdict)
            assertEquals(true, flag(verdict, "genuine_chip"), verdict)
            assertEquals(true, flag(verdict, "data_authentic"), verdict)
            assertEquals(true, flag(verdict, "accepted"), verdict)
        }
    }

    @Test
    fun aCloneIsRefusedByTheServer() {
        Serve().use { serve ->
            val (_, answer) = phone(serve, "norway-id:clone")
            val (status, verdict) = answer
            assertEquals(200, status, verdict)
            assertEquals(true, flag(verdict, "data_authentic"), "the clone's files are genuine: $verdict")
            assertEquals(false, flag(verdict, "genuine_chip"), verdict)
            assertEquals(false, flag(verdict, "accepted"), verdict)
            assertTrue(verdict.contains("a clone"), verdict)
        }
    }

    @Test
    fun aPaceCamOnlyChipIsProvenThroughTheAppsServerStepsAndItsCloneRefused() {
        Serve().use { serve ->
            val steps = AppServer(serve)
            val (challenge, answer) = phone(serve, VirtualCard.fromProfileToml(paceCamOnly()), steps)
            val (status, verdict) = answer
            assertEquals(RemoteProofMethod.PACE_CAM, challenge.proofMethod())
            assertEquals(listOf("/v1/pace/map", "/v1/pace/agree"), steps.paths)
            assertEquals(200, status, verdict)
            assertTrue(Regex("\"method\"\\s*:\\s*\"pace_cam\"").containsMatchIn(verdict), verdict)
            assertEquals(true, flag(verdict, "genuine_chip"), verdict)
            assertEquals(true, flag(verdict, "accepted"), verdict)

            val clone = VirtualCard.fromProfileToml(paceCamOnly("attack = \"clone\""))
            val (_, cloneAnswer) = phone(serve, clone, AppServer(serve))
            val (cloneStatus, cloneVerdict) = cloneAnswer
            assertEquals(200, cloneStatus, cloneVerdict)
            assertEquals(true, flag(cloneVerdict, "data_authentic"), cloneVerdict)
            assertEquals(false, flag(cloneVerdict, "genuine_chip"), cloneVerdict)
            assertEquals(false, flag(cloneVerdict, "accepted"), cloneVerdict)
            assertTrue(cloneVerdict.contains("CA_IC"), cloneVerdict)
        }
    }

    @Test
    fun aServerAnswerThatIsNotAChallengeIsInvalidArgument() {
        assertThrows<EmrtdException.InvalidArgument> { RemoteChallenge.fromJson("{\"error\":\"expired\"}") }
        assertThrows<EmrtdException.InvalidArgument> { remoteChallengeRequest("", null, null) }
    }
}
