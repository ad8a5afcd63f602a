/* Signature verification time with OpenSSL's libcrypto: a SubjectPublicKeyInfo (DER), a
 * message and a signature with SHA-256, verified ITERATIONS times per batch, hashing
 * included (the cheapest way libcrypto offers: SHA-256 fetched once, EVP_Digest, then
 * EVP_PKEY_verify on a context set up once); prints the median over 7 batches of the thread
 * CPU time per verification, in µs.
 *
 * usage: openssl_verify SPKI.der MESSAGE SIG.der ITERATIONS [pss]
 *   pss: RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length = digest length
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len > 0 ? *len : 1);
    if (fread(buf, 1, *len, f) != (size_t)*len) { perror(path); exit(2); }
    fclose(f);
    return buf;
}

static double cpu_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s SPKI.der MESSAGE SIG.der ITERATIONS [pss]\n", argv[0]);
        return 1;
    }
    long spki_len, msg_len, sig_len;
    unsigned char *spki = slurp(argv[1], &spki_len);
    unsigned char *msg = slurp(argv[2], &msg_len);
    unsigned char *sig = slurp(argv[3], &sig_len);
    int n = atoi(argv[4]);
    int pss = argc > 5 && strcmp(argv[5], "pss") == 0;
    const unsigned char *p = spki;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, spki_len);
    if (!key || n < 1) { fprintf(stderr, "bad key or count\n"); return 2; }
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (!ctx || EVP_PKEY_verify_init(ctx) != 1) return 2;
    if (pss) {
        if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1
            || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) != 1) return 2;
    } else if (EVP_PKEY_base_id(key) == EVP_PKEY_RSA) {
        if (EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) return 2;
    }
    EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dig_len = 0;
    if (!sha256 || EVP_Digest(msg, msg_len, dig, &dig_len, sha256, NULL) != 1) return 2;
    if (EVP_PKEY_verify(ctx, sig, sig_len, dig, dig_len) != 1) {
        fprintf(stderr, "signature does not verify\n");
        return 3;
    }
    double v[7];
    for (int b = 0; b < 7; b++) {
        double t = cpu_us();
        for (int i = 0; i < n; i++)
            if (EVP_Digest(msg, msg_len, dig, &dig_len, sha256, NULL) != 1
                || EVP_PKEY_verify(ctx, sig, sig_len, dig, dig_len) != 1) return 3;
        v[b] = (cpu_us() - t) / n;
    }
    qsort(v, 7, sizeof(double), cmp_double);
    printf("%.2f\n", v[3]);
    EVP_MD_free(sha256);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return 0;
}
