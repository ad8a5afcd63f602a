/* Terminal-side CPU time (thread CPU clock, so other processes on a shared machine count
 * less) of one PACE run (Generic Mapping, AES-128, CAN) with OpenPACE
 * (libeac), per standardized domain parameter id. The chip's steps run outside the clock,
 * as in crates/emrtd-access/benches/compare.rs.
 *
 * usage: openpace_pace ID ITERATIONS   -> prints the median terminal time per run in µs
 */
#include <eac/eac.h>
#include <eac/pace.h>
#include <eac/objects.h>
#include <openssl/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "failed: %s\n", #x); exit(2); } } while (0)

static double one_run(int id) {
    int dh = id <= 2;
    int proto = dh ? NID_id_PACE_DH_GM_AES_CBC_CMAC_128 : NID_id_PACE_ECDH_GM_AES_CBC_CMAC_128;
    double spent = 0, t;
    PACE_SEC *sec = PACE_SEC_new("123456", 6, PACE_CAN);
    EAC_CTX *picc = EAC_CTX_new();
    CHECK(picc && sec && EAC_CTX_init_pace(picc, proto, id));

    /* Context set-up is left out of the clock: for the MODP groups OpenPACE checks the
     * domain parameters here on every run (hundreds of ms), which would flatter us. */
    EAC_CTX *pcd = EAC_CTX_new();
    CHECK(pcd && EAC_CTX_init_pace(pcd, proto, id));

    BUF_MEM *enc_nonce = PACE_STEP1_enc_nonce(picc, sec);
    CHECK(enc_nonce);

    t = now_us();
    CHECK(PACE_STEP2_dec_nonce(pcd, sec, enc_nonce));
    BUF_MEM *pcd_map = PACE_STEP3A_generate_mapping_data(pcd);
    CHECK(pcd_map);
    spent += now_us() - t;

    BUF_MEM *picc_map = PACE_STEP3A_generate_mapping_data(picc);
    CHECK(picc_map && PACE_STEP3A_map_generator(picc, pcd_map));

    t = now_us();
    CHECK(PACE_STEP3A_map_generator(pcd, picc_map));
    BUF_MEM *pcd_eph = PACE_STEP3B_generate_ephemeral_key(pcd);
    CHECK(pcd_eph);
    spent += now_us() - t;

    BUF_MEM *picc_eph = PACE_STEP3B_generate_ephemeral_key(picc);
    CHECK(picc_eph && PACE_STEP3B_compute_shared_secret(picc, pcd_eph));
    CHECK(PACE_STEP3C_derive_keys(picc));

    t = now_us();
    CHECK(PACE_STEP3B_compute_shared_secret(pcd, picc_eph));
    CHECK(PACE_STEP3C_derive_keys(pcd));
    BUF_MEM *pcd_token = PACE_STEP3D_compute_authentication_token(pcd, picc_eph);
    CHECK(pcd_token);
    spent += now_us() - t;

    BUF_MEM *picc_token = PACE_STEP3D_compute_authentication_token(picc, pcd_eph);
    CHECK(picc_token && PACE_STEP3D_verify_authentication_token(picc, pcd_token) == 1);

    t = now_us();
    CHECK(PACE_STEP3D_verify_authentication_token(pcd, picc_token) == 1);
    spent += now_us() - t;

    BUF_MEM_free(enc_nonce); BUF_MEM_free(pcd_map); BUF_MEM_free(picc_map);
    BUF_MEM_free(pcd_eph); BUF_MEM_free(picc_eph); BUF_MEM_free(pcd_token);
    BUF_MEM_free(picc_token);
    EAC_CTX_clear_free(pcd);
    EAC_CTX_clear_free(picc);
    PACE_SEC_clear_free(sec);
    return spent;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ID ITERATIONS\n", argv[0]);
        return 1;
    }
    int id = atoi(argv[1]), n = atoi(argv[2]);
    if (n < 1 || n > 100000) return 1;
    EAC_init();
    one_run(id); /* warm-up: first use of the curve */
    double *v = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) v[i] = one_run(id);
    qsort(v, n, sizeof(double), cmp_double);
    printf("%.1f\n", v[n / 2]);
    free(v);
    EAC_cleanup();
    return 0;
}
