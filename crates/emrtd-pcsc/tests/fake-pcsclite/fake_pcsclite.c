/*
 * A stand-in for libpcsclite.so.1 for the tests of emrtd-pcsc's run-time loader: the same
 * exported functions, types laid out as pcsclite declares them on Linux (DWORD = unsigned long,
 * LONG = long, SCARD_READERSTATE not packed), compiled by the C compiler so that the Rust
 * declarations are checked against a real C layout.
 *
 * One reader, "Fake Reader 00 00", with a card. SCardTransmit answers by the command's INS:
 *   EE: return the status code in bytes 2..5 (big-endian), no response
 *   E0: succeed with an empty response;  E1: succeed with one byte
 *   anything else: echo the command's bytes followed by 90 00
 * The reader-state call checks the caller's current state and reports a card with a fixed ATR.
 */
#include <stddef.h>
#include <string.h>

typedef unsigned long DWORD;
typedef long LONG;
typedef LONG SCARDCONTEXT;
typedef LONG SCARDHANDLE;

#define MAX_ATR_SIZE 33
typedef struct {
    const char *szReader;
    void *pvUserData;
    DWORD dwCurrentState;
    DWORD dwEventState;
    DWORD cbAtr;
    unsigned char rgbAtr[MAX_ATR_SIZE];
} SCARD_READERSTATE;

typedef struct {
    DWORD dwProtocol;
    DWORD cbPciLength;
} SCARD_IO_REQUEST;

#define SCARD_S_SUCCESS ((LONG)0x00000000)
#define SCARD_E_INVALID_HANDLE ((LONG)0x80100003)
#define SCARD_E_INVALID_PARAMETER ((LONG)0x80100004)
#define SCARD_E_INSUFFICIENT_BUFFER ((LONG)0x80100008)
#define SCARD_E_UNKNOWN_READER ((LONG)0x80100009)
#define SCARD_E_PROTO_MISMATCH ((LONG)0x8010000F)

static const char READERS[] = "Fake Reader 00 00\0";
static const unsigned char ATR[] = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7};
#define CONTEXT 0x1234
#define CARD 0x5678
#define PROTOCOL_T1 2

LONG SCardEstablishContext(DWORD scope, const void *r1, const void *r2, SCARDCONTEXT *ctx) {
    (void)scope; (void)r1; (void)r2;
    *ctx = CONTEXT;
    return SCARD_S_SUCCESS;
}

LONG SCardReleaseContext(SCARDCONTEXT ctx) {
    return ctx == CONTEXT ? SCARD_S_SUCCESS : SCARD_E_INVALID_HANDLE;
}

LONG SCardListReaders(SCARDCONTEXT ctx, const char *groups, char *readers, DWORD *len) {
    (void)groups;
    if (ctx != CONTEXT) return SCARD_E_INVALID_HANDLE;
    if (readers != NULL) {
        if (*len < sizeof READERS) { *len = sizeof READERS; return SCARD_E_INSUFFICIENT_BUFFER; }
        memcpy(readers, READERS, sizeof READERS);
    }
    *len = sizeof READERS;
    return SCARD_S_SUCCESS;
}

LONG SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *states, DWORD n) {
    (void)timeout;
    if (ctx != CONTEXT) return SCARD_E_INVALID_HANDLE;
    for (DWORD i = 0; i < n; i++) {
        if (strcmp(states[i].szReader, "Fake Reader 00 00") != 0) return SCARD_E_UNKNOWN_READER;
        /* A current state the caller cannot have learnt from us: the layout is off. */
        if (states[i].dwCurrentState & ~(DWORD)0xFFFF07FF) return SCARD_E_INVALID_PARAMETER;
        states[i].dwEventState = 0x00010000 | 0x0020 | 0x0002; /* count 1, PRESENT, CHANGED */
        states[i].cbAtr = sizeof ATR;
        memcpy(states[i].rgbAtr, ATR, sizeof ATR);
    }
    return SCARD_S_SUCCESS;
}

LONG SCardConnect(SCARDCONTEXT ctx, const char *reader, DWORD share, DWORD protocols,
                  SCARDHANDLE *card, DWORD *active) {
    if (ctx != CONTEXT) return SCARD_E_INVALID_HANDLE;
    if (strcmp(reader, "Fake Reader 00 00") != 0) return SCARD_E_UNKNOWN_READER;
    if (share != 2 || protocols != 3) return SCARD_E_INVALID_PARAMETER;
    *card = CARD;
    *active = PROTOCOL_T1;
    return SCARD_S_SUCCESS;
}

LONG SCardReconnect(SCARDHANDLE card, DWORD share, DWORD protocols, DWORD init, DWORD *active) {
    (void)share; (void)protocols; (void)init;
    if (card != CARD) return SCARD_E_INVALID_HANDLE;
    *active = PROTOCOL_T1;
    return SCARD_S_SUCCESS;
}

LONG SCardDisconnect(SCARDHANDLE card, DWORD disposition) {
    (void)disposition;
    return card == CARD ? SCARD_S_SUCCESS : SCARD_E_INVALID_HANDLE;
}

LONG SCardTransmit(SCARDHANDLE card, const SCARD_IO_REQUEST *send_pci, const unsigned char *cmd,
                   DWORD cmd_len, SCARD_IO_REQUEST *recv_pci, unsigned char *resp,
                   DWORD *resp_len) {
    (void)recv_pci;
    if (card != CARD) return SCARD_E_INVALID_HANDLE;
    if (send_pci == NULL || send_pci->dwProtocol != PROTOCOL_T1 ||
        send_pci->cbPciLength != sizeof(SCARD_IO_REQUEST))
        return SCARD_E_PROTO_MISMATCH;
    if (cmd_len < 4) return SCARD_E_INVALID_PARAMETER;
    if (cmd[1] == 0xEE && cmd_len >= 6)
        return (LONG)(((DWORD)cmd[2] << 24) | ((DWORD)cmd[3] << 16) | ((DWORD)cmd[4] << 8) | cmd[5]);
    if (cmd[1] == 0xE0) { *resp_len = 0; return SCARD_S_SUCCESS; }
    if (cmd[1] == 0xE1) { resp[0] = 0x90; *resp_len = 1; return SCARD_S_SUCCESS; }
    if (*resp_len < cmd_len + 2) return SCARD_E_INSUFFICIENT_BUFFER;
    memcpy(resp, cmd, cmd_len);
    resp[cmd_len] = 0x90;
    resp[cmd_len + 1] = 0x00;
    *resp_len = cmd_len + 2;
    return SCARD_S_SUCCESS;
}

LONG SCardStatus(SCARDHANDLE card, char *name, DWORD *name_len, DWORD *state, DWORD *protocol,
                 unsigned char *atr, DWORD *atr_len) {
    if (card != CARD) return SCARD_E_INVALID_HANDLE;
    if (name != NULL) return SCARD_E_INVALID_PARAMETER; /* emrtd-pcsc asks for no name */
    if (name_len) *name_len = sizeof "Fake Reader 00 00";
    if (state) *state = 0x0034;
    if (protocol) *protocol = PROTOCOL_T1;
    if (*atr_len < sizeof ATR) return SCARD_E_INSUFFICIENT_BUFFER;
    memcpy(atr, ATR, sizeof ATR);
    *atr_len = sizeof ATR;
    return SCARD_S_SUCCESS;
}
